/** A client's broker login: its RabbitMQ user in a virtual host. */
export interface Credentials {
  readonly vhost: string;
  readonly user: string;
  readonly password: string;
}
