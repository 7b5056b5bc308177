import { rabbitmqctl } from '../integration/helpers/rabbit';
import type { ServiceState } from './state';

/**
 * Everything a test could leave in RabbitMQ, across all virtual hosts, in one
 * `rabbitmqctl eval` (one CLI start instead of a `list_*` call per kind). Each
 * item is printed on its own; one that vanishes while being read is skipped.
 */
const EXPRESSION = `
Safe = fun(F) -> try F() catch _:_ -> ok end end,
Get = fun(K, I) -> proplists:get_value(K, I, <<>>) end,
[Safe(fun() -> io:format("vhost\\t~ts~n", [V]) end) || V <- rabbit_vhost:list_names()],
[Safe(fun() -> io:format("user\\t~ts~n", [Get(user, U)]) end) || U <- rabbit_auth_backend_internal:list_users()],
[Safe(fun() ->
  [{consumers, C}] = rabbit_amqqueue:info(Q, [consumers]),
  io:format("queue\\t~ts ~ts\\t~b~n", [amqqueue:get_vhost(Q), element(4, amqqueue:get_name(Q)), C])
end) || Q <- rabbit_amqqueue:list()],
[Safe(fun() ->
  I = rabbit_reader:info(P, [name, vhost, user, client_properties]),
  Named = case lists:keyfind(<<"connection_name">>, 1, Get(client_properties, I)) of
    {_, longstr, N} -> N;
    _ -> <<>>
  end,
  io:format("connection\\t~ts\\t~ts ~ts ~ts~n", [Get(name, I), Get(vhost, I), Get(user, I), Named])
end) || P <- rabbit_networking:connections()],
[Safe(fun() ->
  I = rabbit_channel:info(P, [name, vhost, user]),
  io:format("channel\\t~ts\\t~ts ~ts~n", [Get(name, I), Get(vhost, I), Get(user, I)])
end) || P <- rabbit_channel:list()],
io:format("watermark\\tvm_memory_high_watermark\\t~p~n", [vm_memory_monitor:get_vm_memory_high_watermark()]),
ok.
`;

/** Parses the eval's lines: `kind<TAB>name[<TAB>value]`; queue values are consumer counts. */
export function parseRabbitState(out: string): ServiceState {
  const state = new Map<string, string | number>();
  for (const line of out.split('\n')) {
    const [kind, name, value = ''] = line.split('\t');
    if (name === undefined) continue;
    state.set(`${kind} ${name}`, kind === 'queue' ? Number(value) : value.trim());
  }
  return state;
}

export async function rabbitState(): Promise<ServiceState> {
  return parseRabbitState(await rabbitmqctl('eval', EXPRESSION));
}
