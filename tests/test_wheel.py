"""An install that stands alone: the wheel, installed by itself into a fresh virtual
environment, copies its examples with ``orgsim init``, runs the Kent demo and serves the
viewer — with no repository and no database driver beside it.

Also: the examples inside the package are the repository's ``scenarios/`` exactly (SPEC
section 9 keeps them there), ``orgsim schema scenario`` accepts every shipped script's
keys and steps, and a PostgreSQL URL without the driver is a one-line error naming the
extra.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
import yaml

from tests.conftest import CLI, ROOT, SCENARIOS


def test_packaged_examples_are_the_scenarios_folder():
    packaged = ROOT / "orgsim" / "examples"
    names = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert names and names == sorted(p.name for p in packaged.glob("*.yaml"))
    for name in names:
        assert (packaged / name).read_bytes() == (SCENARIOS / name).read_bytes(), name


def test_init_copies_the_examples_and_refuses_a_full_folder(tmp_path):
    cli = CLI(str(tmp_path / "s.sqlite"), tmp_path)
    result = cli("init", "demo")
    assert result.returncode == 0, result.stderr
    copied = sorted(p.name for p in (tmp_path / "demo" / "scenarios").glob("*.yaml"))
    assert copied == sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert "kcc-2013-baseline.yaml" in (tmp_path / "demo" / "README.md").read_text()
    again = cli("init", "demo")
    assert again.returncode == 2 and "not empty" in again.stderr


def test_help_points_to_init(tmp_path):
    result = CLI(str(tmp_path / "s.sqlite"), tmp_path)("--help")
    assert "orgsim init" in result.stdout


def test_schema_describes_every_step_and_the_header(tmp_path):
    result = CLI(str(tmp_path / "s.sqlite"), tmp_path)("schema", "scenario")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    header = schema["properties"]
    steps = {item["title"] for item in header["steps"]["items"]["oneOf"]}
    # SPEC section 4: every step below must be accepted
    assert steps >= {
        "create_unit", "rename_unit", "move_unit", "close_unit", "transfer_unit",
        "create_post", "retitle_post", "regrade_post", "move_post", "delete_post", "join",
        "assign", "unassign", "leave", "match", "slot", "slot_person", "appoint", "consult",
        "decide",
    }  # fmt: skip
    assert schema["required"] == ["scenario"] and schema["additionalProperties"] is False
    # every key and step of the shipped scripts is one the schema knows
    for script in SCENARIOS.glob("*.yaml"):
        document = yaml.safe_load(script.read_text())
        assert set(document) <= set(header), script.name
        for step in document["steps"]:
            assert set(step) <= steps, (script.name, step)
    create_post = schema["$defs"]["CreatePost"]
    assert {"id", "title", "grade", "unit"} <= set(create_post["required"])


def test_postgres_without_driver_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "eventsourcing.postgres", None)  # import fails
    result = CLI("postgresql://postgres@127.0.0.1:5432/test", tmp_path)("branches")
    assert result.returncode == 2
    assert "pip install 'orgsim[postgres]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the tree: setuptools writes ``build/`` and ``*.egg-info``
    into the tree it builds, and two test workers building the same tree at once broke
    each other's build (seen once in CI)."""
    import shutil

    source = tmp_path_factory.mktemp("source") / "orgsim"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "out", "build", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:] or built.stdout[-2000:]
    (found,) = out.glob("orgsim-*.whl")
    return found


def test_wheel_carries_examples_viewer_and_licence(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "orgsim/examples/kcc-2013-baseline.yaml",
        "orgsim/examples/README.md",
        "orgsim/viewer/static/htmx.min.js",
        "orgsim/viewer/static/htmx.LICENSE",
        "orgsim/viewer/templates/index.html.j2",
    ):
        assert needed in names, needed
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert "Provides-Extra: postgres" in text
    requires = [line for line in text.splitlines() if line.startswith("Requires-Dist: psycopg")]
    assert requires and all("extra ==" in line for line in requires)
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_wheel_alone_runs_init_the_demo_and_serve(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # nothing of this checkout may leak in: no PYTHONPATH, no store setting
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ORGSIM_STORE")}
    env.pop("VIRTUAL_ENV", None)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(env_dir)], check=True, env=env, timeout=300)
    python = env_dir / "bin" / "python"
    orgsim = env_dir / "bin" / "orgsim"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert installed.returncode == 0 and orgsim.exists(), installed.stderr[-2000:]
    work = tmp_path / "user"
    work.mkdir()

    def run(*args: str, cwd: Path = work) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(orgsim), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )

    # no database driver in the base install
    probe = subprocess.run([str(python), "-c", "import psycopg"], capture_output=True, env=env)
    assert probe.returncode != 0
    assert run("init", "demo").returncode == 0
    demo = work / "demo"
    for name in (
        "kcc-2013-baseline",
        "kcc-2014-top-tier",
        "kcc-2014-option-three-directorates",
        "kcc-2015-market-review",
    ):
        result = run("run", f"scenarios/{name}.yaml", cwd=demo)
        assert result.returncode == 0, result.stderr
    shown = json.loads(
        run("show", "--branch", "top-tier-2014", "--at", "2014-04-01", "--json", cwd=demo).stdout
    )
    assert "cd-bss" not in {p["id"] for p in shown["posts"]}  # deleted on 1 April 2014
    port = 18765 + os.getpid() % 1000
    server = subprocess.Popen(
        [str(orgsim), "serve", "--port", str(port)],
        cwd=demo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        document = None
        for _ in range(100):
            try:
                with urlopen(f"http://127.0.0.1:{port}/api/branches", timeout=5) as response:
                    document = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.2)
        assert document is not None
        assert {b["name"] for b in document["branches"]} >= {"baseline", "top-tier-2014"}
        with urlopen(f"http://127.0.0.1:{port}/static/htmx.min.js", timeout=5) as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
