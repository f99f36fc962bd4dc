"""Several API instances behind a load balancer keep one rate limit per key by counting in a shared Redis
(api.rate_limit_storage), as the README and the admin pages say. Debian's redis-server runs on a free loopback port
for each test (make test installs it); when it goes away, requests are still answered and still limited."""

import shutil
import subprocess
import time

import pytest
from redis import Redis
from redis.exceptions import RedisError

from conftest import free_port, write_settings
from replyguard import create_app

KEY = "rg_rate-limit-store-test-key-0123456789"
REPLY = {"text": "Det er vi kede af. Ring til os på 70 20 30 40. Mvh Mette"}


@pytest.fixture
def redis(tmp_path):
    """A Redis of its own, keeping nothing on disk; yields (its URL, the process)."""
    server = shutil.which("redis-server")
    assert server, "Debian's redis-server is not installed: run `make test`, which installs it"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            if Redis.from_url(url, socket_timeout=1).ping():
                break
        except RedisError:
            pass
        assert time.monotonic() < deadline, "redis-server did not answer within 10 s"
        time.sleep(0.05)
    yield url, process
    process.terminate()
    process.wait(timeout=10)


def instances(tmp_path, redis_url: str, count: int) -> list:
    """API instances started from one settings file, as behind a load balancer: a key and 5 checks a minute."""
    settings = write_settings(tmp_path / "team.toml", f'rate_limit = "5 per minute"\nrate_limit_storage = "{redis_url}"',
                              keys={"team": KEY})
    return [create_app({"SETTINGS_FILE": settings}).test_client() for _ in range(count)]


def check(client):
    return client.post("/v1/check", json=REPLY, headers={"Authorization": f"Bearer {KEY}"})


def test_two_instances_count_one_limit_per_key_in_the_shared_redis(tmp_path, redis):
    first, second = instances(tmp_path, redis[0], 2)
    statuses = [check(client).status_code for client in (first, second, first, second, first)]
    assert statuses == [200] * 5
    refused = check(second)  # the sixth check of the minute, on the instance that has answered only two
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_when_the_redis_goes_away_requests_are_answered_and_still_limited(tmp_path, redis):
    redis_url, process = redis
    (client,) = instances(tmp_path, redis_url, 1)
    assert check(client).status_code == 200
    process.terminate()
    process.wait(timeout=10)
    # Counted in the process from now on: answered, never a 500, and still refused past the limit.
    assert [check(client).status_code for _ in range(6)] == [200] * 5 + [429]
