"""`make lab`: JupyterLab serves the report notebooks on localhost, also when the user is root."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kit import config

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost test server
        return response.status, response.read()


def test_the_makefile_starts_lab_on_localhost_with_allow_root_only_for_root():
    text = (config.PROJECT_ROOT / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n\t(.+)$", text, flags=re.M).group(1)
    assert "--ServerApp.ip=127.0.0.1" in recipe and "--ServerApp.root_dir=notebooks" in recipe
    assert "$(ALLOW_ROOT)" in recipe and "--allow-root" not in recipe
    assert "ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)" in text


def test_jupyterlab_serves_every_report_notebook(tmp_path):
    jupyter = Path(sys.executable).with_name("jupyter")
    if not jupyter.exists():
        pytest.fail(f"{jupyter} is missing: the lab extra (jupyterlab) is part of the install")
    port, token = _free_port(), secrets.token_hex(16)
    args = [str(jupyter), "lab", "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={config.NOTEBOOKS_DIR}", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {server.stderr.read()[-2000:]}")
                time.sleep(0.5)
        assert status == 200
        _, body = _get(f"{base}/api/contents?token={token}")
        served = {item["name"] for item in json.loads(body)["content"] if item["type"] == "notebook"}
        assert served == {p.name for p in config.NOTEBOOKS_DIR.glob("*.ipynb")}
        status, page = _get(f"{base}/lab?token={token}")
        assert status == 200 and b"JupyterLab" in page
        _, kernels = _get(f"{base}/api/kernelspecs?token={token}")
        assert "python3" in json.loads(kernels)["kernelspecs"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
