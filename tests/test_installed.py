"""CX Playbooks works installed from its wheel, as a new user would run it.

The slow tests build the wheel, install it into a fresh virtual environment (dependencies from
the package index) and run the commands and the app from a folder outside the checkout. The
quick ones check the pieces that make that work: where the contracts are looked up, the app's
Streamlit settings, and the bootstrap's choice of what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from app_server import free_port, wait_until_healthy

from playbooks import _bootstrap
from playbooks.commands.project import STREAMLIT_CONFIG, app_url, streamlit_flags
from playbooks.data import contracts
from playbooks.errors import PlaybooksError

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 600
INSTALL_TIMEOUT = 1800  # a cold pip cache downloads every dependency
COMMAND_TIMEOUT = 300
PAGE_TIMEOUT = 90_000  # ms; the first visit generates the demo workspace
CHROMIUM = os.environ.get("PLAYBOOKS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-quic"]


# --- where the contracts are found ---------------------------------------------------------------


@pytest.fixture
def contract_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Point the lookup at a fake checkout and a fake installed package, neither there yet."""
    places = SimpleNamespace(root=tmp_path / "checkout", checkout=tmp_path / "checkout" / "dc",
                             packaged=tmp_path / "site" / "dc")
    monkeypatch.delenv("PLAYBOOKS_CONTRACTS", raising=False)
    monkeypatch.setattr(contracts, "CHECKOUT_ROOT", places.root)
    monkeypatch.setattr(contracts, "CONTRACTS_DIR", places.checkout)
    monkeypatch.setattr(contracts, "PACKAGED_CONTRACTS_DIR", places.packaged)
    return places


def test_the_checkout_folder_comes_before_the_packaged_copy(contract_places) -> None:
    contract_places.packaged.mkdir(parents=True)
    assert contracts.contracts_dir() == contract_places.packaged
    contract_places.checkout.mkdir(parents=True)
    assert contracts.contracts_dir() == contract_places.packaged  # no pyproject.toml: no checkout
    (contract_places.root / "pyproject.toml").write_text("")
    assert contracts.contracts_dir() == contract_places.checkout


def test_the_override_wins_and_must_be_a_folder(contract_places, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    contract_places.packaged.mkdir(parents=True)
    monkeypatch.setenv("PLAYBOOKS_CONTRACTS", str(tmp_path))
    assert contracts.contracts_dir() == tmp_path
    assert contracts.shipped_contracts_dir() == contract_places.packaged
    monkeypatch.setenv("PLAYBOOKS_CONTRACTS", str(tmp_path / "missing"))
    with pytest.raises(PlaybooksError, match=r"PLAYBOOKS_CONTRACTS is set to .*missing"):
        contracts.contracts_dir()


def test_no_contracts_anywhere_names_the_places_looked_in(contract_places) -> None:
    with pytest.raises(PlaybooksError) as raised:
        contracts.contracts_dir()
    message = str(raised.value)
    assert str(contract_places.checkout) in message and str(contract_places.packaged) in message
    assert "PLAYBOOKS_CONTRACTS" in message


# --- the app's Streamlit settings ---------------------------------------------------------------


def test_the_app_is_given_the_settings_of_the_checkout_config() -> None:
    with open(ROOT / ".streamlit" / "config.toml", "rb") as handle:
        assert tomllib.load(handle) == STREAMLIT_CONFIG
    flags = streamlit_flags(8501, [])
    assert "--server.headless=true" in flags and "--client.showErrorDetails=none" in flags
    assert "--server.port=8501" in flags


@pytest.mark.parametrize(("extra", "url"), [
    ([], "http://localhost:8501"),
    (["--server.port", "8611"], "http://localhost:8611"),
    (["--server.port=8611", "--server.address=127.0.0.1"], "http://127.0.0.1:8611"),
    (["--server.address", "0.0.0.0"], "http://localhost:8501 (and on this machine's network"),
    (["--server.baseUrlPath=/cx/"], "http://localhost:8501/cx/"),
])
def test_extra_arguments_win_and_the_real_address_is_shown(extra: list[str], url: str) -> None:
    flags = streamlit_flags(8501, extra)
    if extra:
        assert flags[-len(extra):] == extra
    named = [flag.split("=")[0] for flag in flags if flag.startswith("--")]
    assert len(named) == len(set(named)), "a setting is given twice"
    assert app_url(flags).startswith(url)


# --- the bootstrap installs the dev tools for the tests only -------------------------------------


@pytest.fixture
def fake_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """A checkout and a venv under tmp_path, with pip recorded instead of run."""
    root, env = tmp_path / "checkout", tmp_path / "checkout" / ".venv"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    installs: list[str] = []

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        if command[-2] == "-e":
            installs.append(command[-1])
        return subprocess.CompletedProcess(command, 0)

    def fake_create(_builder: venv.EnvBuilder, folder: Path) -> None:
        (Path(folder) / "bin").mkdir(parents=True)
        (Path(folder) / "bin" / "python").write_text("")

    monkeypatch.setattr(_bootstrap, "ROOT", root)
    monkeypatch.setattr(_bootstrap, "VENV", env)
    monkeypatch.setattr(_bootstrap, "STAMP", env / ".playbooks-installed")
    monkeypatch.setattr(_bootstrap.subprocess, "run", fake_run)
    monkeypatch.setattr(_bootstrap.venv.EnvBuilder, "create", fake_create)
    return SimpleNamespace(root=root, installs=installs)


def _bootstrap_for(*argv: str) -> None:
    _bootstrap.ensure_venv(_bootstrap.extras_for(list(argv)))


def test_the_app_gets_no_dev_tools_and_the_tests_add_them_once(fake_checkout) -> None:
    root = fake_checkout.root
    _bootstrap_for("app")
    _bootstrap_for("app", "--server.port", "8611")
    _bootstrap_for("validate", "x.csv")
    assert fake_checkout.installs == [str(root)]
    _bootstrap_for("test", "-x")
    _bootstrap_for("test")
    _bootstrap_for("app")
    assert fake_checkout.installs == [str(root), f"{root}[dev]"]


def test_a_changed_pyproject_reinstalls_with_the_extras_it_had(fake_checkout) -> None:
    root = fake_checkout.root
    _bootstrap_for("test")
    (root / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    _bootstrap_for("app")
    assert fake_checkout.installs == [f"{root}[dev]", f"{root}[dev]"]


def test_a_stamp_from_the_older_bootstrap_counts_as_dev(fake_checkout) -> None:
    _bootstrap_for("app")
    stamp = _bootstrap.STAMP
    stamp.write_text(stamp.read_text().split()[0] + "\n")  # the hash alone, as before
    _bootstrap_for("test")
    assert fake_checkout.installs == [str(fake_checkout.root)]


# --- built, installed and run from elsewhere (slow) ----------------------------------------------


def _run(args: list[str | Path], timeout: int = COMMAND_TIMEOUT, **kwargs: object
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def _output(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n" \
           f"{done.stderr[-4000:]}"


def _user_env(**extra: str) -> dict[str, str]:
    """The environment of a user who installed the wheel: no PLAYBOOKS_* setting, no checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PLAYBOOKS_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **extra}


def _source_files() -> list[str]:
    """The files a clone of the current work tree would hold (tracked, or new and not ignored)."""
    done = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT)
    if done.returncode != 0:
        pytest.fail(f"cannot list the checkout's files with git:\n{_output(done)}", pytrace=False)
    return [name for name in done.stdout.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Build the wheel from a clean copy of the checkout and install it into a fresh venv.

    The copy keeps stale `build/` output of earlier builds out of the wheel. A failed build or
    install fails the tests that need it (never skips them).
    """
    started = time.monotonic()
    base = tmp_path_factory.mktemp("installed")
    source, dist, env = base / "source", base / "dist", base / "venv"
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", dist],
                 timeout=BUILD_TIMEOUT, cwd=source)
    wheels = sorted(dist.glob("cx_playbooks-*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        pytest.fail(f"building the wheel failed:\n{_output(built)}", pytrace=False)
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    done = _run([python, "-m", "pip", "install", "--disable-pip-version-check", wheels[0]],
                timeout=INSTALL_TIMEOUT, cwd=base)
    if done.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{_output(done)}", pytrace=False)
    print(f"\nbuilt and installed the wheel in {time.monotonic() - started:.0f} s", flush=True)
    return SimpleNamespace(python=python, playbooks=python.parent / "playbooks", venv=env)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the checkout to run the installed commands from."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert not folder.resolve().is_relative_to(ROOT)
    return folder


@pytest.mark.slow
@pytest.mark.installed
def test_the_commands_work_installed(installed: SimpleNamespace, elsewhere: Path) -> None:
    env = _user_env()

    def playbooks(*args: str) -> subprocess.CompletedProcess[str]:
        return _run([installed.playbooks, *args], cwd=elsewhere, env=env)

    where = _run([installed.python, "-c", "import playbooks; print(playbooks.__file__)"],
                 cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(installed.venv), _output(where)

    done = playbooks("demo", "--out", "W", "--accounts", "200", "--weeks", "30")
    assert done.returncode == 0, _output(done)
    assert "200 accounts" in done.stdout and (elsewhere / "W" / "accounts.parquet").is_file()

    done = playbooks("validate", "W/accounts.parquet", "--contract", "accounts")
    assert done.returncode == 0, _output(done)
    assert "VALID against contract 'accounts'" in done.stdout

    edited = elsewhere / "my_contracts"
    shipped = installed.venv.glob("lib*/python*/site-packages/playbooks/data/data_contracts")
    shutil.copytree(next(shipped), edited)
    accounts = edited / "accounts.yaml"
    accounts.write_text(accounts.read_text().replace("version: 1.0.0", "version: 9.9.9", 1))
    done = _run([installed.playbooks, "validate", "W/accounts.parquet", "--contract", "accounts"],
                cwd=elsewhere, env={**env, "PLAYBOOKS_CONTRACTS": str(edited)})
    assert done.returncode == 0 and "v9.9.9" in done.stdout, _output(done)

    done = playbooks("signals", "--workspace", "W")
    assert done.returncode == 0, _output(done)
    assert done.stdout.startswith("200 accounts;")

    done = playbooks("assessment", "new", "--team", "T", "--quarter", "2026Q4",
                     "--database-url", f"sqlite:///{elsewhere / 'W' / 'playbooks.db'}")
    assert done.returncode == 0, _output(done)  # the store's migrations ran from the package

    done = playbooks("report", "--workspace", "W", "--team", "T", "--quarter", "2026Q4",
                     "--out", "R")
    assert done.returncode == 0, _output(done)
    for name in ("R.html", "R.md", "R-actions.csv"):
        assert (elsewhere / name).is_file(), f"{name} missing\n{_output(done)}"
    assert "Quarterly review" in (elsewhere / "R.md").read_text(encoding="utf-8")

    done = playbooks("test")
    assert done.returncode != 0 and "source checkout" in done.stderr, _output(done)


# --- the installed app in a real browser (slow) -------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Use Debian's Chromium, as tests/browser/conftest.py does for the browser tests."""
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM}; install Debian's `chromium` or set PLAYBOOKS_CHROMIUM"
        if os.environ.get("PLAYBOOKS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PLAYBOOKS_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": LAUNCH_ARGS}


@pytest.fixture
def installed_app(installed: SimpleNamespace, elsewhere: Path) -> Iterator[SimpleNamespace]:
    """Start the installed `playbooks app` from outside the checkout, on its own workspace."""
    port = free_port()
    log_path = elsewhere / "app.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below, after the server stops
    server = subprocess.Popen(
        [str(installed.playbooks), "app", f"--server.port={port}", "--server.address",
         "127.0.0.1", "--workspace", "ws"],
        cwd=elsewhere, env=_user_env(PLAYBOOKS_DEMO_ACCOUNTS="300"), stdout=log,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(server, url, log, seconds=120, what="the installed app")
    try:
        yield SimpleNamespace(url=url, log=log_path, workspace=elsewhere / "ws")
    finally:
        server.terminate()  # as a service manager stops it: `playbooks app` passes it on
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    if _answers(url, within=15):
        pytest.fail(f"Streamlit kept serving {url} after `playbooks app` was stopped; stop "
                    "it by hand", pytrace=False)


def _answers(url: str, within: float) -> bool:
    """Say whether the server at `url` still answers its health check after `within` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                pass
        except OSError:
            return False
        time.sleep(0.5)
    return True


@pytest.mark.slow
@pytest.mark.installed
@pytest.mark.browser
def test_every_page_of_the_installed_app_renders(installed_app: SimpleNamespace, page) -> None:
    from playwright.sync_api import expect

    from playbooks.app.main import PAGES

    first_line = installed_app.log.read_text().splitlines()[0]
    assert first_line == f"Starting CX Playbooks on {installed_app.url} (Ctrl+C to stop)"
    page.goto(installed_app.url)
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link")
    expect(nav).to_have_count(len(PAGES), timeout=PAGE_TIMEOUT)
    # A link's text is its icon's name, then its title.
    links = {nav.nth(i).inner_text().strip().splitlines()[-1]: nav.nth(i).get_attribute("href")
             for i in range(len(PAGES))}
    assert sorted(links) == sorted(title for _, title, _ in PAGES)
    for title, href in links.items():
        page.goto(str(href))
        heading = page.locator("h1").first
        expect(heading).to_be_visible(timeout=PAGE_TIMEOUT)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
            timeout=PAGE_TIMEOUT)
        assert heading.inner_text().strip(), f"the page {title} has an empty title"
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
        expect(page.get_by_text("Traceback")).to_have_count(0)
    assert (installed_app.workspace / "accounts.parquet").is_file()  # the demo went to --workspace
