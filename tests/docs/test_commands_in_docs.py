"""Every `make`, `encore` and `sam` command the documentation shows exists, with the flags it uses.

The commands are read from the code in the Markdown (fenced blocks and inline code spans) of the
docs site, the README, CONTRIBUTING and the deploy guide beside the template.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Final

import pytest

from tests.docs.doc_files import ROOT, code_in, markdown_files

#: A command word not glued to a path or a name (``.venv/bin/encore`` counts, ``encore_cli`` not).
_COMMAND: Final = r"(?<![\w.-]){tool} ([a-z][a-z-]*)"
#: Where one shell command ends on a line (a comment, a separator, a pipe, a list of commands).
_END: Final = re.compile(r"\s#|;|&&|\|\||\||`|\)|,|\n")
_FLAG: Final = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")


def _commands(tool: str) -> dict[str, dict[str, set[str]]]:
    """``{subcommand: {flag: {files...}}}``; the subcommand itself is under the flag ``""``."""
    pattern = re.compile(_COMMAND.format(tool=tool))
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in markdown_files():
        where = str(path.relative_to(ROOT))
        for code in code_in(path.read_text(encoding="utf-8")):
            for match in pattern.finditer(code):
                sub = match.group(1)
                found[sub][""].add(where)
                rest = _END.split(code[match.end() :], maxsplit=1)[0]
                for flag in _FLAG.findall(rest):
                    found[sub][flag].add(where)
    return found


MAKE: Final = _commands("make")
ENCORE: Final = _commands("encore")
SAM: Final = _commands("sam")


def test_the_docs_show_the_deploy_commands() -> None:
    assert {"deploy", "migrate", "register-commands", "run", "test"} <= set(MAKE)
    assert {"migrate", "register-commands"} <= set(ENCORE)
    assert {"build", "deploy"} <= set(SAM)


def test_every_make_target_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    missing = {
        target: sorted(MAKE[target][""])
        for target in MAKE
        if not re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE)
    }
    assert not missing, f"`make X` shown in the docs but not in the Makefile: {missing}"


def _help(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)


@pytest.mark.parametrize("subcommand", sorted(ENCORE))
def test_every_encore_command_and_flag_exists(subcommand: str) -> None:
    result = _help([sys.executable, "-m", "encore_cli", subcommand, "--help"])
    shown_in = sorted(ENCORE[subcommand][""])
    assert result.returncode == 0, f"`encore {subcommand}` (shown in {shown_in}): {result.stderr}"
    for flag, files in ENCORE[subcommand].items():
        if flag:
            assert flag in result.stdout, f"`encore {subcommand} {flag}` (shown in {sorted(files)})"


def _sam_cli() -> str | None:
    """`$SAM_CLI` (what `make test` sets), else `.venv-sam/bin/sam`, else `sam` on the PATH."""
    configured = os.environ.get("SAM_CLI")
    if configured:
        return configured
    local = ROOT / ".venv-sam" / "bin" / "sam"
    return str(local) if local.exists() else shutil.which("sam")


@pytest.mark.parametrize("subcommand", sorted(SAM))
def test_every_sam_command_and_flag_exists(subcommand: str) -> None:
    sam = _sam_cli()
    if sam is None:
        pytest.skip("no AWS SAM CLI: `make test` installs it in .venv-sam (or set SAM_CLI)")
    result = _help([sam, subcommand, "--help"])
    assert result.returncode == 0, f"`sam {subcommand}` (shown in {sorted(SAM[subcommand][''])})"
    for flag, files in SAM[subcommand].items():
        if flag:
            assert flag in result.stdout, f"`sam {subcommand} {flag}` (shown in {sorted(files)})"


def test_the_extraction_reads_blocks_and_inline_code(tmp_path: Path) -> None:
    text = "Run `make deploy` then:\n\n```sh\n.venv/bin/encore fleet --group 2  # one group\n```\n"
    codes = list(code_in(text))
    assert codes == [".venv/bin/encore fleet --group 2  # one group\n", "make deploy"]
