%% inproc.erl - the Erlang/OTP baseline of bench_inproc: message passing between processes of
%% one node, measured the way bench_inproc measures Hyper's in-process transport.
%%
%%   erl -noshell -pa DIR -run inproc main Tells Pairs Calls
%%
%% Prints one "name value" line per figure:
%%   tell_1to1 msgs/s   one sender process, N tells (`!`) to one receiver, then an ack
%%   tell_NtoN msgs/s   Pairs senders, each to its own receiver, N tells each, then acks
%%   call_p50_ns, call_p99_ns, call_mean_ns   round trips {call, From, Payload} / {reply, ..}
%%                                            between two processes
-module(inproc).
-export([main/1]).

-define(PAYLOAD, <<"0123456789abcdef">>). %% 16 bytes, like the C side

main([TellsS, PairsS, CallsS]) ->
    Tells = list_to_integer(TellsS),
    Pairs = list_to_integer(PairsS),
    Calls = list_to_integer(CallsS),
    _ = tell_1to1(Tells div 10), %% warm-up
    io:format("tell_1to1 ~p~n", [round(tell_1to1(Tells))]),
    io:format("tell_NtoN ~p~n", [round(tell_n(Pairs, Tells))]),
    {P50, P99, Mean} = calls(Calls),
    io:format("call_p50_ns ~p~ncall_p99_ns ~p~ncall_mean_ns ~p~n", [P50, P99, round(Mean)]),
    halt(0).

now_ns() -> erlang:monotonic_time(nanosecond).

%% The receiver counts tells and acks once it has seen them all.
sink(0, Parent) -> Parent ! {done, self()};
sink(K, Parent) -> receive {tell, _} -> sink(K - 1, Parent) end.

send_n(_, 0) -> ok;
send_n(Pid, K) -> Pid ! {tell, ?PAYLOAD}, send_n(Pid, K - 1).

tell_1to1(N) ->
    Self = self(),
    Sink = spawn(fun() -> sink(N, Self) end),
    T0 = now_ns(),
    send_n(Sink, N),
    receive {done, Sink} -> ok end,
    N / ((now_ns() - T0) / 1.0e9).

%% Pairs sender processes, each with its own receiver; the clock covers all of them.
tell_n(Pairs, N) ->
    Self = self(),
    Senders = [spawn(fun() ->
                         Me = self(),
                         Sink = spawn(fun() -> sink(N, Me) end),
                         receive go -> ok end,
                         send_n(Sink, N),
                         receive {done, Sink} -> ok end,
                         Self ! {finished, Me}
                     end) || _ <- lists:seq(1, Pairs)],
    T0 = now_ns(),
    [S ! go || S <- Senders],
    [receive {finished, S} -> ok end || S <- Senders],
    Pairs * N / ((now_ns() - T0) / 1.0e9).

echo() ->
    receive
        {call, From, Payload} -> From ! {reply, self(), Payload}, echo();
        stop -> ok
    end.

call_loop(_, 0, Acc) -> Acc;
call_loop(Echo, K, Acc) ->
    T0 = now_ns(),
    Echo ! {call, self(), ?PAYLOAD},
    receive {reply, Echo, _} -> ok end,
    call_loop(Echo, K - 1, [now_ns() - T0 | Acc]).

calls(M) ->
    Echo = spawn(fun echo/0),
    _ = call_loop(Echo, M div 10, []), %% warm-up
    Sorted = lists:sort(call_loop(Echo, M, [])),
    Echo ! stop,
    Len = length(Sorted),
    P50 = lists:nth(max(1, Len * 50 div 100), Sorted),
    P99 = lists:nth(max(1, Len * 99 div 100), Sorted),
    {P50, P99, lists:sum(Sorted) / Len}.
