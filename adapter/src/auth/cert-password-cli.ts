import { loadConfig } from '../config/load';
import { parseUsername } from '../amqp/credentials';
import { derivedPassword } from './cert-identity';
import { listenerVhost } from './vhost';

// Prints the RabbitMQ password to give a certificate-login user:
//   MQTT_ADAPTER_CERT_LOGIN_SECRET=... node build/adapter/src/auth/cert-password-cli.js [vhost:]user
const name = process.argv[2];
const config = loadConfig();
if (!name || !config.certLoginSecret) {
  process.stderr.write('usage: MQTT_ADAPTER_CERT_LOGIN_SECRET=<secret> cert-password-cli [vhost:]user\n');
  process.exit(2);
}
// A bare identity gets the vhost its certificate mapping gives; a port mapping is unknown here: name the vhost.
const { vhost, user } = parseUsername(name, listenerVhost(config, { certificateUser: name }));
process.stdout.write(`${derivedPassword(config.certLoginSecret, vhost, user)}\n`);
