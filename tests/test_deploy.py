"""The deployment kit (deploy/): systemd units that systemd accepts, an nginx site that nginx accepts, an
environment file that names every setting, and the whole chain working: nginx (HTTPS, the repository's
site file) in front of gunicorn (deploy/gunicorn.conf.py, production settings), someone signing in."""
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest

from benchmarks.client import USER_AGENT
from benchmarks.servers import free_port
from config import Config
from tests.factories import PASSWORD
from tests.helpers import same_on_every_database

pytestmark = same_on_every_database

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
SITE = DEPLOY / "nginx" / "ecole.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (`make test` installs it as root: "
                                                       "apt-get install nginx)")
# Settings read from the environment that an operator never sets: `make run`'s address, and the counters'
# folder that deploy/gunicorn.conf.py and ecole-web.service choose.
NOT_FOR_OPERATORS = {"HOST", "PORT", "PROMETHEUS_MULTIPROC_DIR"}


# --- the environment file ---------------------------------------------------------------------------
def test_the_environment_file_names_every_setting():
    read = set()
    for path in [ROOT / "config.py", *sorted((ROOT / "ecole").rglob("*.py"))]:
        read |= set(re.findall(r"""environ(?:\.get)?[(\[]\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    example = (DEPLOY / "ecole.env.example").read_text()
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.M))
    # A request's headers and CGI variables in its WSGI environ are not settings.
    wsgi = {"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR",
            "CONTENT_TYPE", "CONTENT_LENGTH"}
    read = {name for name in read if not name.startswith("HTTP_") and name not in wsgi}
    missing = read - named - NOT_FOR_OPERATORS
    assert not missing, f"deploy/ecole.env.example does not say how to set: {sorted(missing)}"
    assert "SECRET_KEY" in read and "ECOLE_PROXY_HOPS" in read  # the scan sees what config.py reads
    assert re.search(r"^ECOLE_ENV=production$", example, re.M)


# --- systemd ----------------------------------------------------------------------------------------
def unit_sections(path: Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_every_timer_starts_a_service_and_every_service_is_locked_down():
    names = {path.name for path in UNITS}
    assert {"ecole-web.service", "ecole-worker@.service", "ecole-expire-offers.service", "ecole-expire-offers.timer",
            "ecole-sweep-jobs.service", "ecole-sweep-jobs.timer"} <= names
    for path in UNITS:
        sections = unit_sections(path)
        if path.suffix == ".timer":
            assert path.with_suffix(".service").name in names, f"{path.name}: no service to start"
            assert sections["Install"]["WantedBy"] == ["timers.target"], path.name
            continue
        service = sections["Service"]
        for key, value in (("User", "ecole"), ("Group", "ecole"), ("WorkingDirectory", "/srv/ecole"),
                           ("EnvironmentFile", "/etc/ecole/ecole.env"), ("NoNewPrivileges", "yes"),
                           ("ProtectSystem", "strict"), ("PrivateTmp", "yes"), ("ProtectHome", "yes")):
            assert service.get(key) == [value], f"{path.name}: {key}={value} expected, found {service.get(key)}"
        if path.name in ("ecole-web.service", "ecole-worker@.service"):  # SQLite files, keys, a storage folder
            assert "/srv/ecole/instance" in " ".join(service.get("ReadWritePaths", [])).split(), path.name
        assert service["ExecStart"][0].startswith("/srv/ecole/.venv/bin/"), path.name


def test_the_units_run_commands_that_exist(runner):
    """Each `flask --app wsgi ARGS` of a unit is a command of this code (its --help answers)."""
    commands = []
    for path in UNITS:
        for line in unit_sections(path).get("Service", {}).get("ExecStart", []):
            if " --app wsgi " in line:
                commands.append(line.split(" --app wsgi ", 1)[1].split())
    assert ["ecole", "worker"] in commands and ["ecole", "expire-offers"] in commands
    assert ["ecole", "jobs", "sweep"] in commands
    for args in commands:
        result = runner.invoke(args=[*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (Debian's systemd package)")
def test_systemd_accepts_every_unit(tmp_path):
    """`systemd-analyze verify` on each unit of deploy/systemd, with /srv/ecole pointing at this checkout and its
    venv at the one running the tests (it checks that the programs exist). It prints unknown keys and bad values
    without failing: any line fails."""
    for path in UNITS:
        text = path.read_text().replace("/srv/ecole/.venv/bin/", f"{Path(sys.executable).parent}/")
        (tmp_path / path.name).write_text(text.replace("/srv/ecole", str(ROOT)))
    names = [path.name.replace("@.service", "@1.service") for path in UNITS]
    done = subprocess.run([SYSTEMD_ANALYZE, "verify", *names], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr + done.stdout


# --- gunicorn ---------------------------------------------------------------------------------------
def load_gunicorn_settings(monkeypatch, tmp_path, **environ) -> dict:
    """The settings deploy/gunicorn.conf.py makes in this environment (the counters' folder in tmp_path:
    the file sets PROMETHEUS_MULTIPROC_DIR when it is missing, which must not outlive the test)."""
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


GUNICORN_MASTER = """
import json, runpy, sys
from gunicorn.config import Config
settings = runpy.run_path("deploy/gunicorn.conf.py")
config = Config()
config.set("errorlog", sys.argv[1])
settings["logger_class"](config).critical("WORKER TIMEOUT (pid:%s)", 4242)
print(json.dumps({"app_imported": sorted({"ecole", "config", "wsgi"} & set(sys.modules)), "bind": settings["bind"],
                  "settings": [settings["worker_class"], settings["accesslog"], settings["secure_scheme_headers"]]}))
"""


def test_gunicorn_writes_its_own_messages_as_json_lines_in_production(tmp_path):
    """...without importing the app in the master: the workers it forks import it afresh, so a reload
    (HUP) runs the new code."""
    environ = {**os.environ, "ECOLE_ENV": "production", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    environ.pop("ECOLE_LOG_FORMAT", None)
    environ.pop("ECOLE_BIND", None)
    done = subprocess.run([sys.executable, "-c", GUNICORN_MASTER, str(tmp_path / "gunicorn.log")], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report == {"app_imported": [], "bind": ["127.0.0.1:8000"], "settings": ["sync", None, {}]}
    line = json.loads((tmp_path / "gunicorn.log").read_text().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("CRITICAL", "gunicorn.error", "WORKER TIMEOUT (pid:4242)")


def test_gunicorn_empties_the_counters_folder_of_counters_only(monkeypatch, tmp_path):
    settings = load_gunicorn_settings(monkeypatch, tmp_path)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_4242.db").write_bytes(b"")
    (metrics_dir / "keep.txt").write_text("not a counter")
    settings["on_starting"](None)
    assert [path.name for path in metrics_dir.iterdir()] == ["keep.txt"]
    settings["child_exit"](None, type("Worker", (), {"pid": 4242}))  # a dead worker's live gauges go


def test_a_dead_workers_counts_go_into_the_archive(monkeypatch, tmp_path):
    """gunicorn's master folds the files of a worker that ended into one archive per kind: the totals stay,
    the folder does not grow with every worker replaced (max_requests)."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.mmap_dict import MmapedDict, mmap_key
    from prometheus_client.multiprocess import MultiProcessCollector

    settings = load_gunicorn_settings(monkeypatch, tmp_path)
    folder = tmp_path / "metrics"
    folder.mkdir()
    home = mmap_key("ecole_http_requests", "ecole_http_requests_total", ["endpoint", "method", "status"],
                    ["main.home", "GET", "200"], "HTTP requests.")
    bucket = mmap_key("ecole_http_request_duration_seconds", "ecole_http_request_duration_seconds_bucket",
                      ["endpoint", "method", "le"], ["main.home", "GET", "0.005"], "Durations.")

    def worker_files(pid: int, requests: float) -> None:
        for kind, key in (("counter", home), ("histogram", bucket)):
            counts = MmapedDict(str(folder / f"{kind}_{pid}.db"))
            counts.write_value(key, requests, 0)
            counts.close()

    def total() -> str:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(folder))
        text = generate_latest(registry).decode()
        return re.search(r'^ecole_http_requests_total{endpoint="main.home",method="GET",status="200"} (\S+)$',
                         text, re.M).group(1)

    for pid, requests in ((111, 5), (222, 3), (333, 4)):
        worker_files(pid, requests)
    assert total() == "12.0"
    settings["child_exit"](None, type("Worker", (), {"pid": 111}))
    settings["child_exit"](None, type("Worker", (), {"pid": 333}))
    assert total() == "12.0"
    assert sorted(path.name for path in folder.glob("*.db")) == [
        "counter_222.db", "counter_archive.db", "histogram_222.db", "histogram_archive.db"]
    archived = {key: value for key, value, _, _ in MmapedDict.read_all_values_from_file(str(folder / "histogram_archive.db"))}
    assert archived == {bucket: 9}


def test_gunicorn_keeps_text_lines_in_development(monkeypatch, tmp_path):
    monkeypatch.delenv("ECOLE_LOG_FORMAT", raising=False)
    settings = load_gunicorn_settings(monkeypatch, tmp_path, ECOLE_ENV="development",
                                      ECOLE_BIND="10.0.0.12:8000, unix:/run/x.sock")
    assert "logger_class" not in settings
    assert settings["bind"] == ["10.0.0.12:8000", "unix:/run/x.sock"]


# --- nginx ------------------------------------------------------------------------------------------
def test_nginx_takes_requests_as_large_as_the_app_does():
    size = re.search(r"^\s*client_max_body_size (\d+)m;", SITE.read_text(), re.M)
    assert size and int(size.group(1)) * 1024 * 1024 == Config.MAX_CONTENT_LENGTH


def make_certificate(folder: Path) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1, as certbot would lay it out."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return folder / "fullchain.pem"


def nginx_config(tmp: Path, *, http_port: int, https_port: int, app_port: int) -> Path:
    """nginx.conf for a test nginx of its own (its pid, logs and temporary files in tmp), including the
    repository's site file with this machine's ports, folders and certificate put in."""
    site = SITE.read_text()
    for old, new in (("listen 80;", f"listen 127.0.0.1:{http_port};"), ("listen [::]:80;", ""),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("listen [::]:443 ssl http2;", ""),
                     ("server_name ecole.example.org;", "server_name localhost;"),
                     ("/etc/letsencrypt/live/ecole.example.org/", f"{tmp}/letsencrypt/"),
                     ("/var/www/letsencrypt", f"{tmp}/acme"), ("/var/log/nginx/", f"{tmp}/"),
                     ("/srv/ecole/", f"{ROOT}/"), ("server 127.0.0.1:8000 ", f"server 127.0.0.1:{app_port} ")):
        assert old in site, f"deploy/nginx/ecole.conf no longer has {old!r}: update this test"
        site = site.replace(old, new)
    directives = "\n".join(line for line in site.splitlines() if not line.lstrip().startswith("#"))
    assert "/srv/ecole" not in directives and "127.0.0.1:8000" not in directives
    make_certificate(tmp / "letsencrypt")
    (tmp / "acme").mkdir(exist_ok=True)
    (tmp / "ecole.conf").write_text(site)
    temporary = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = tmp / "nginx.conf"
    main.write_text(f"""
{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/nginx-access.log;
{temporary}
    include {tmp}/ecole.conf;
}}
""")
    return main


def nginx_command(config: Path, *args: str) -> list[str]:
    return [NGINX, "-e", str(config.parent / "nginx-startup.log"), "-p", str(config.parent), "-c", str(config), *args]


@needs_nginx
def test_nginx_accepts_the_site(tmp_path):
    config = nginx_config(tmp_path, http_port=free_port(), https_port=free_port(), app_port=free_port())
    done = subprocess.run(nginx_command(config, "-t"), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    # nginx 1.25.1 and later say `http2 on;` instead of `listen … http2` (Debian 12 has 1.22): that warning alone is fine.
    warnings = [line for line in done.stderr.splitlines() if "[warn]" in line and "http2" not in line]
    assert "syntax is ok" in done.stderr and not warnings, done.stderr


# --- the whole chain --------------------------------------------------------------------------------
class Browser:
    """HTTPS to the test nginx from one loopback address, cookies kept, redirects not followed."""

    def __init__(self, port: int, certificate: Path, source: str = "127.0.0.1"):
        self.port, self.source = port, source
        self.context = ssl.create_default_context(cafile=str(certificate))
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30,
                                                 source_address=(self.source, 0))
        sent = {"Host": f"localhost:{self.port}", "User-Agent": USER_AGENT, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            response.body = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, headers: dict | None = None):
        return self.send("GET", path, headers=headers)

    def post(self, path: str, data: dict, *, form: str | None = None, referer: str | None = None,
             headers: dict | None = None):
        """Post `data` with the CSRF token of the form on `form` (default: `path`), as a browser would."""
        page = self.get(form or path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.body.decode()).group(1)
        return self.send("POST", path, urlencode({"csrf_token": token, **data}).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": referer or f"https://localhost:{self.port}{path}", **(headers or {})})


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """gunicorn (2 workers, deploy/gunicorn.conf.py, production settings) behind the repository's nginx site,
    started once for the module; {"school", "nginx_https", "nginx_http", "certificate", "metrics_dir"}."""
    from tests.live import LiveSchool

    if NGINX is None:
        pytest.skip("nginx is not installed (`make test` installs it as root: apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("deployed")
    metrics_dir = tmp / "metrics"
    school = LiveSchool(tmp, workers=2, env={
        "GUNICORN_CMD_ARGS": f"--config {DEPLOY / 'gunicorn.conf.py'}",
        "ECOLE_ENV": "production", "ECOLE_BASE_URL": "https://localhost",
        "ECOLE_TRUSTED_HOSTS": "127.0.0.1",  # the harness asks gunicorn for /healthz directly
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "ECOLE_JOBS_FILE": str(tmp / "jobs.sqlite3"),
        "ECOLE_SIGNING_KEYS_DIR": str(tmp / "keys"), "ECOLE_LOGIN_RATE_LIMIT": "2 per minute",
    })  # and production's defaults: JSON logs, one proxy in front, nginx's access log
    school.start()
    http_port, https_port = free_port(), free_port()
    config = nginx_config(tmp / "nginx", http_port=http_port, https_port=https_port, app_port=school.server.port)
    nginx = subprocess.Popen(nginx_command(config, "-g", "daemon off;"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=open(tmp / "nginx.out", "wb"), start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", http_port, timeout=1).connect()
                break
            except OSError:
                if nginx.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("nginx did not start: " + (tmp / "nginx.out").read_text()) from None
                time.sleep(0.05)
        yield {"school": school, "nginx_http": http_port, "nginx_https": https_port,
               "certificate": tmp / "nginx" / "letsencrypt" / "fullchain.pem", "metrics_dir": metrics_dir,
               "access_log": tmp / "nginx" / "ecole.access.log"}
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        school.stop()


@pytest.fixture(scope="module")
def trainee(deployed):
    from tests.factories import make_user

    with deployed["school"].context():
        person = make_user("trainee", name="Hassan Ait Ouaziz", email="hassan@example.org")
        return person.id, person.email


def browser(deployed, source: str = "127.0.0.1") -> Browser:
    return Browser(deployed["nginx_https"], deployed["certificate"], source)


def test_signing_in_over_https_through_nginx(deployed, trainee):
    user_id, email = trainee
    plain = http.client.HTTPConnection("127.0.0.1", deployed["nginx_http"], timeout=10)
    plain.request("GET", "/login?next=/account", headers={"Host": "localhost"})
    redirect = plain.getresponse()
    assert (redirect.status, redirect.headers["Location"]) == (301, "https://localhost/login?next=/account")

    person = browser(deployed)
    page = person.get("/login", headers={"X-Request-ID": "chosen-by-the-client"})
    assert page.status == 200 and page.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert re.fullmatch(r"[0-9a-f]{32}", page.headers["X-Request-ID"])  # nginx's $request_id, not the client's
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    signed_in = person.post("/login", {"identifier": email, "password": PASSWORD})
    assert signed_in.status == 302, signed_in.body[:300]
    account = person.get("/account")
    assert account.status == 200 and "Hassan Ait Ouaziz" in unescape(account.body.decode())
    # The app knew the request came over HTTPS: a form sent from another site is refused by its origin.
    foreign = person.post("/account/language", {"lang": "ar", "next": "/account"}, form="/account",
                          referer="https://evil.example/account")
    assert foreign.status == 400

    # One JSON object per line on gunicorn's output, and in nginx's access log, the signed-in page's
    # among them with the id the answer carries.
    assert all(json.loads(line) for line in deployed["school"].log().splitlines() if line.strip())
    assert PASSWORD not in deployed["school"].log()
    lines = [json.loads(line) for line in deployed["access_log"].read_text().splitlines() if line.strip()]
    (access,) = [line for line in lines if line["request_id"] == account.headers["X-Request-ID"]]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/account", 200)
    assert float(access["seconds"]) >= 0 and access["remote_addr"] == "127.0.0.1"


def test_static_files_come_from_nginx_compressed_and_cached_for_a_year(deployed):
    visitor = browser(deployed)
    versioned = visitor.get("/static/css/ecole.css?v=0123456789ab", headers={"Accept-Encoding": "gzip"})
    assert versioned.status == 200 and versioned.headers["Content-Encoding"] == "gzip"
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(versioned.body) == (ROOT / "static" / "css" / "ecole.css").read_bytes()
    assert "X-Request-ID" not in versioned.headers  # no app server was asked
    plain = visitor.get("/static/css/ecole.css")
    assert plain.status == 200 and plain.headers["Cache-Control"] == "no-cache" and plain.headers["ETag"]
    font = next((ROOT / "static" / "fonts" / "web").glob("*.woff2"))
    cached = visitor.get(f"/static/fonts/web/{font.name}")
    assert cached.status == 200 and cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Encoding" not in cached.headers  # already compressed
    page = visitor.get("/courses", headers={"Accept-Encoding": "gzip"})
    assert page.status == 200 and page.headers["Content-Encoding"] == "gzip"
    assert visitor.get("/static/../config.py").status in (400, 404)


def test_the_app_sees_the_address_nginx_saw(deployed):
    """Failed sign-ins are limited per address (2 a minute here): a client rotating forged X-Forwarded-For
    values is still one address, and another machine is another."""
    def attempt(client, number, forged=None):
        headers = {"X-Forwarded-For": forged} if forged else None
        return client.post("/login", {"identifier": f"nobody{number}@example.org", "password": "wrong"}, headers=headers)

    forger = browser(deployed, "127.0.0.2")
    answers = [attempt(forger, number, f"203.0.113.{number}").status for number in range(3)]
    assert answers == [400, 400, 429]
    assert attempt(browser(deployed, "127.0.0.3"), 9).status == 400


def test_metrics_add_up_every_worker_and_stay_off_the_public_site(deployed, trainee):
    visitor = browser(deployed)
    assert visitor.get("/metrics").status == 404
    before = scrape(deployed, "catalogue.index")
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: browser(deployed).get("/courses").status, range(24)))
    assert statuses == [200] * 24
    assert scrape(deployed, "catalogue.index") - before == 24
    # Both workers counted (each keeps its own file), and the scrape added them up.
    pids = {int(path.stem.split("_")[1]) for path in deployed["metrics_dir"].glob("counter_[0-9]*.db")}
    assert len(pids) >= 2
    # A worker that ends (as after max_requests): gunicorn starts another, and its counts stay in the total.
    ended = min(pids)
    os.kill(ended, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while (deployed["metrics_dir"] / f"counter_{ended}.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (deployed["metrics_dir"] / f"counter_{ended}.db").exists()
    assert (deployed["metrics_dir"] / "counter_archive.db").exists()
    assert scrape(deployed, "catalogue.index") - before == 24


def scrape(deployed, endpoint: str) -> float:
    """The requests of `endpoint` answered 200, read straight from gunicorn (as Prometheus does)."""
    connection = http.client.HTTPConnection("127.0.0.1", deployed["school"].server.port, timeout=10)
    connection.request("GET", "/metrics", headers={"Host": "127.0.0.1"})
    response = connection.getresponse()
    text = response.read().decode()
    assert response.status == 200, text[:300]
    match = re.search(rf'^ecole_http_requests_total{{endpoint="{re.escape(endpoint)}",method="GET",status="200"}} (\S+)$',
                      text, re.M)
    return float(match.group(1)) if match else 0.0
