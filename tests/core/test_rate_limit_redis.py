"""With REDIS_URL, failed sign-ins are counted across app servers: two processes share one limit."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.jobs.queues import redis_up

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import sys, re
from config import ProductionConfig
from ecole import create_app
from ecole.extensions import db

class Config(ProductionConfig):
    SQLALCHEMY_DATABASE_URI = sys.argv[1]
    SECRET_KEY = "test"
    SESSION_COOKIE_SECURE = False

app = create_app(Config)
with app.app_context():
    db.create_all()
client = app.test_client()
statuses = []
for _ in range(int(sys.argv[2])):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # Production speaks HTTPS, where Flask-WTF also wants a same-origin Referer, as browsers send.
    response = client.post("/login", data={"identifier": sys.argv[3], "password": "wrong", "csrf_token": token},
                           headers={"Referer": "https://localhost/login"})
    statuses.append(response.status_code)
print(",".join(map(str, statuses)))
"""


@pytest.mark.skipif(not redis_up() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379")
def test_two_servers_share_the_sign_in_limit(tmp_path):
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/15", "ECOLE_ENV": "production", "SECRET_KEY": "test",
           "ECOLE_BASE_URL": "https://localhost",  # the test client asks for Host: localhost
           "PYTHONPATH": str(ROOT)}
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=15).flushdb()  # database 15 is this test's alone
    database = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    account = f"{uuid.uuid4().hex}@example.org"

    def server(attempts: int) -> list[int]:
        done = subprocess.run([sys.executable, "-c", SCRIPT, database, str(attempts), account], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return [int(s) for s in done.stdout.strip().splitlines()[-1].split(",")]

    first = server(6)   # 6 failures on one server…
    second = server(6)  # …and the limit (10 a minute) is reached on the other
    assert first == [400] * 6
    assert second[:4] == [400] * 4 and second[4:] == [429, 429], second
