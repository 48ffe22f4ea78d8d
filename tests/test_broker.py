"""The Celery broker the harness starts: a Redis server on a unix socket in a temporary
folder, reachable while the block runs and gone afterwards, after SIGTERM too; a broker the
user names is used as it is; a missing ``redis-server`` is one clear message."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.distributed.broker import (
    BROKER_ENV,
    BrokerUnavailable,
    ThrowawayRedis,
    celery_broker,
    find_redis_server,
)

pytestmark = pytest.mark.any_database


@pytest.fixture
def redis_server():
    try:
        return find_redis_server()
    except BrokerUnavailable:
        pytest.skip("redis-server is not installed (apt-get install redis-server); "
                    ".ci/run installs it")


def _client(url: str):
    import redis

    return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"))


def test_a_throwaway_server_answers_on_its_socket_only_and_is_removed(redis_server,
                                                                      monkeypatch):
    monkeypatch.delenv(BROKER_ENV, raising=False)
    with celery_broker() as url:
        assert url.startswith("redis+socket://")
        folder = Path(url.removeprefix("redis+socket://")).parent
        client = _client(url)
        assert client.ping()
        assert client.config_get("port") == {"port": "0"}  # no TCP port
        assert client.config_get("save") == {"save": ""}  # nothing written to disk
        client.close()
    assert not folder.exists()


def test_a_broker_the_user_names_is_used_and_nothing_is_started(monkeypatch):
    monkeypatch.setenv(BROKER_ENV, "redis://broker.example:6379/3")
    with celery_broker() as url:
        assert url == "redis://broker.example:6379/3"


def test_a_missing_server_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("REDIS_SERVER", "/nonexistent/redis-server")
    with pytest.raises(BrokerUnavailable, match="apt-get install redis-server"):
        ThrowawayRedis()


def test_sigterm_stops_the_server_and_removes_its_folder(redis_server, tmp_path):
    script = """if True:
        import sys, time
        from bench.distributed.broker import celery_broker
        with celery_broker() as url:
            print(url, flush=True)
            time.sleep(60)
    """
    env = {k: v for k, v in os.environ.items() if k != BROKER_ENV}
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True, env=env)
    url = holder.stdout.readline().strip()
    folder = Path(url.removeprefix("redis+socket://")).parent
    assert _client(url).ping()
    holder.send_signal(signal.SIGTERM)
    assert holder.wait(timeout=30) != 0
    deadline = time.monotonic() + 10
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not folder.exists()
    found = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True)
    assert found.stdout.strip() == "", "the redis-server process is still running"
