import pytest
from helpline.queue import assignment, line
from helpline.chat import store
import test_line_state_machine as m

@pytest.mark.parametrize("mod,name,a,b", [
    (assignment, "ASSIGN", "local free = cap - redis.call('SCARD', skey .. ':chats')", "local free = cap + 1 - redis.call('SCARD', skey .. ':chats')"),
    (assignment, "ASSIGN", "table.sort(staff)", "table.sort(staff, function(a, b) return a > b end)"),
    (assignment, "ASSIGN", "idle < bestidle", "idle > bestidle"),
    (assignment, "ASSIGN", "free > bestfree or", "free < bestfree or"),
    (assignment, "ASSIGN", "redis.call('SADD', skey .. ':chats', cid)", "redis.call('SADD', skey .. ':chats', cid); redis.call('ZADD', line, 1e9, cid)"),
    (line, "MOVE_TO_FRONT", "tonumber(head[2]) - 1", "tonumber(head[2]) + 0.5"),
    (store, "DISCONNECT", "if redis.call('HGET', KEYS[1], 'state') == 'ended' then return 0 end", ""),
    (store, "END", "redis.call('ZREM', KEYS[2], ARGV[4])", ""),
])
def test_mutant(lr, monkeypatch, mod, name, a, b):
    src = getattr(mod, name)
    assert a in src
    monkeypatch.setattr(mod, name, src.replace(a, b))
    with pytest.raises(Exception) as e:
        m.test_line_state_machine(lr)
    print(type(e.value), str(e.value)[:200].replace("\n", " "))
