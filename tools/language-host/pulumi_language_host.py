"""A stand-in for Pulumi's Python language host (``pulumi-language-python``).

The real host is a Go program in an untagged module that the Go module proxy reachable here refuses
(403), so ``scripts/install-pulumi.sh`` installs this one next to ``pulumi`` instead, only when the
real one cannot be built. It behaves like the real host of the pinned version (v3.259.0):

* started by the CLI with the engine address as its last argument, it serves the
  ``LanguageRuntime`` gRPC service (stubs from the Pulumi Python SDK) on 127.0.0.1 and prints its
  port as the first line of stdout;
* ``Run`` starts ``python pulumi-language-python-exec --monitor M --engine E --project P
  --root_directory R --stack S --pwd D --dry_run B --parallel N [--tracing T] [--organization O]
  ENTRY_POINT ARGS...`` (the SDK's own exec script, installed next to this file) with
  ``PULUMI_CONFIG`` and ``PULUMI_CONFIG_SECRET_KEYS`` in the environment, wiring its stdout and
  stderr to ours as the real host does; exit code 32 means "error already shown" (bail);
* the program's Python is the project's ``virtualenv`` runtime option (relative to the project
  root, activated like the real host does: ``PATH``, ``VIRTUAL_ENV``, no ``PYTHONHOME``), or else
  ``$PULUMI_PYTHON_CMD``, ``python3``, ``python``;
* required packages are the installed distributions that are Pulumi packages (a
  ``pulumi-plugin.json`` next to their module, or a ``pulumi-``/``pulumi_`` name), minus those
  whose ``pulumi-plugin.json`` says ``"resource": false``.

What is out of reach (the ``uv``/``poetry`` toolchains, type checkers, debuggers, code generation,
packing, linking, running plugins) answers with an error saying it is not supported by the stand-in.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

EXEC_SCRIPT = "pulumi-language-python-exec"
# The exec script exits with this code after it has shown the user an actionable error.
BAIL_EXIT_CODE = 32
VERSION = "3.259.0"
NOT_SUPPORTED = "is not supported by the stand-in Python language host (the real pulumi-language-python could not be built here)"
# Like the real host: these distributions are named pulumi-* but come with no plugin.
PACKAGES_WITHOUT_PLUGINS = {"pulumi-policy", "pulumi_policy", "pulumi-esc-sdk", "pulumi_esc_sdk"}
PRE_RELEASES = {"a": "alpha", "b": "beta", "rc": "rc"}

# Runs in the program's Python: every installed distribution with the pulumi-plugin.json of its
# module, found through the import system so editable installs are seen where they really are.
_LIST_DISTRIBUTIONS = r"""
import importlib.metadata as md, importlib.util as iu, json, os, sys
out = []
for dist in md.distributions():
    name = dist.metadata["Name"] or ""
    module = name.replace("-", "_")
    plugin = spec = None
    if module.isidentifier():  # a dotted name would import its parent package
        try:
            spec = iu.find_spec(module)
        except Exception:  # a broken distribution must not stop the listing
            spec = None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "pulumi-plugin.json")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                plugin = json.load(fh)
            break
    out.append({"name": name, "version": dist.version, "plugin": plugin})
json.dump(out, sys.stdout)
"""


class HostError(Exception):
    """A problem to report to the CLI as the RPC's error."""


class Toolchain:
    """Which Python runs a program, from the project's runtime options (pip toolchain only)."""

    def __init__(self, info: language_pb2.ProgramInfo) -> None:
        options: dict[str, Any] = json_format.MessageToDict(info.options) if info.HasField("options") else {}
        self.root = info.root_directory or os.getcwd()
        self.program_dir = info.program_directory or self.root
        toolchain = options.get("toolchain", "pip")
        if toolchain != "pip":
            raise HostError(f"the '{toolchain}' toolchain {NOT_SUPPORTED}; use the default 'pip' toolchain")
        if options.get("typechecker"):
            raise HostError(f"the 'typechecker' runtime option {NOT_SUPPORTED}")
        virtualenv = options.get("virtualenv", "")
        if not isinstance(virtualenv, str):
            raise HostError("virtualenv option must be a string")
        self.virtualenv_option = virtualenv
        self.virtualenv = os.path.join(self.root, virtualenv) if virtualenv else ""

    def python(self) -> str:
        """The interpreter for the program (not checked to exist for a virtualenv: see validate)."""
        if self.virtualenv:
            return os.path.join(self.virtualenv, "bin", "python")
        candidates = (
            [os.environ["PULUMI_PYTHON_CMD"]]
            if os.environ.get("PULUMI_PYTHON_CMD")
            else ["python3", "python"]
        )
        for candidate in candidates:
            found = shutil.which(candidate)
            if found:
                return found
        raise HostError(
            f"failed to locate any of {candidates} on your PATH. Have you installed Python 3.6 or greater?"
        )

    def env(self) -> dict[str, str]:
        """The environment for the program, with the virtualenv activated like the real host does."""
        env = dict(os.environ)
        if self.virtualenv:
            env.pop("PYTHONHOME", None)
            env["PATH"] = os.path.join(self.virtualenv, "bin") + os.pathsep + env.get("PATH", "")
            env["VIRTUAL_ENV"] = self.virtualenv
        return env

    def validate(self) -> None:
        """The real host's error when the ``virtualenv`` option names no virtual environment."""
        if self.virtualenv and not os.path.isfile(os.path.join(self.virtualenv, "bin", "python")):
            problem = (
                "doesn't exist"
                if not os.path.exists(self.virtualenv)
                else "doesn't appear to be a virtual environment"
            )
            raise HostError(
                f"The 'virtualenv' option in Pulumi.yaml is set to {self.virtualenv_option!r}, but "
                f"{self.virtualenv!r} {problem}; create it with `python3 -m venv {self.virtualenv}` and install "
                "the program's dependencies into it (`pulumi install` does both)."
            )

    def run(self, *args: str) -> str:
        """Run the program's Python and return its stdout; a failure raises :class:`HostError`."""
        cmd = [self.python(), *args]
        done = subprocess.run(cmd, env=self.env(), cwd=self.program_dir, capture_output=True, text=True)
        if done.returncode != 0:
            raise HostError(
                f"calling `{' '.join(cmd[:4])}...` failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
            )
        return done.stdout


def plugin_version(package_version: str) -> str | None:
    """A PEP 440 version as the plugin's semver, like the real host (``1.2.3a4`` -> ``1.2.3-alpha.4``)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?(?:\.post(\d+))?(?:\.dev(\d+))?", package_version)
    if not match:
        return None  # epochs, local versions and the like: the real host skips the package too
    release, pre, pre_n, post, dev = match.groups()
    segments = release.split(".")
    segments += ["0"] * (3 - len(segments))
    text = ".".join(segments)
    if pre:
        text += f"-{PRE_RELEASES[pre]}.{pre_n}"
    if post is not None:
        text += f"+post{post}"
    if dev is not None:
        text += ("" if post is not None else "+") + f"dev{dev}"
    return text


def required_packages(toolchain: Toolchain) -> list[plugin_pb2.PackageDependency]:
    """Resource plugins the program's installed Pulumi packages need."""
    packages = []
    for dist in json.loads(toolchain.run("-c", _LIST_DISTRIBUTIONS)):
        name, plugin = dist["name"], dist["plugin"]
        if plugin is None and not name.startswith(("pulumi-", "pulumi_")):
            continue
        if name in PACKAGES_WITHOUT_PLUGINS or (plugin is not None and not plugin.get("resource", False)):
            continue
        plugin = plugin or {}
        version = plugin.get("version") or plugin_version(dist["version"])
        if version is None:
            continue
        parameterization = None
        if plugin.get("parameterization"):
            p = plugin["parameterization"]
            parameterization = plugin_pb2.PackageParameterization(
                name=p.get("name", ""), version=p.get("version", ""), value=p.get("value", b"")
            )
        packages.append(
            plugin_pb2.PackageDependency(
                name=plugin.get("name") or name.removeprefix("pulumi-"),
                kind="resource",
                version=version if version.startswith("v") else f"v{version}",
                server=plugin.get("server", ""),
                parameterization=parameterization,
            )
        )
    return packages


def _stream(
    cmd: list[str], env: dict[str, str], cwd: str
) -> Iterator[language_pb2.InstallDependenciesResponse]:
    """Run ``cmd`` and yield its stdout and stderr as they come; raise HostError if it fails."""
    lines: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise HostError(f"could not run `{' '.join(cmd)}`: {exc}") from None

    def pump(name: str, pipe: Any) -> None:
        for line in iter(pipe.readline, b""):
            lines.put((name, line))
        lines.put(None)

    for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        threading.Thread(target=pump, args=(name, pipe), daemon=True).start()
    open_pipes = 2
    while open_pipes:
        item = lines.get()
        if item is None:
            open_pipes -= 1
        else:
            yield language_pb2.InstallDependenciesResponse(**{item[0]: item[1]})
    if proc.wait() != 0:
        raise HostError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}")


def install_dependencies(toolchain: Toolchain) -> Iterator[language_pb2.InstallDependenciesResponse]:
    """What the real host's pip toolchain does: create the virtualenv if needed, update pip,
    setuptools and wheel, then install requirements.txt (when there is one)."""
    if toolchain.virtualenv and not os.path.isfile(os.path.join(toolchain.virtualenv, "bin", "python")):
        yield language_pb2.InstallDependenciesResponse(stdout=b"Creating virtual environment...\n")
        base = Toolchain(language_pb2.ProgramInfo(root_directory=toolchain.root))
        yield from _stream([base.python(), "-m", "venv", toolchain.virtualenv], base.env(), toolchain.root)
    python, env, cwd = toolchain.python(), toolchain.env(), toolchain.program_dir
    yield from _stream([python, "-m", "pip", "install", "--upgrade", "pip", "setuptools", "wheel"], env, cwd)
    if os.path.isfile(os.path.join(cwd, "requirements.txt")):
        yield from _stream([python, "-m", "pip", "install", "-r", "requirements.txt"], env, cwd)


def ensure_virtualenv(toolchain: Toolchain) -> None:
    """Like the real host before it lists packages: a ``virtualenv`` that does not exist yet (or is
    an empty directory) is created and the dependencies installed; the output goes to the CLI."""
    path = toolchain.virtualenv
    if not path or os.path.isfile(os.path.join(path, "bin", "python")):
        return
    if os.path.exists(path) and not os.path.isdir(path):
        raise HostError(
            f"the 'virtualenv' option in Pulumi.yaml is set to {path!r} but it is not a directory"
        )
    if os.path.isdir(path) and os.listdir(path):
        return  # not a virtualenv, and not ours to replace: Run reports it
    for response in install_dependencies(toolchain):
        sys.stderr.buffer.write(response.stdout + response.stderr)
        sys.stderr.flush()


class StandInLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The ``LanguageRuntime`` service, answering every call the CLI makes for Python programs."""

    def __init__(self, exec_script: str, engine_address: str, tracing: str) -> None:
        self.exec_script = exec_script
        self.engine_address = engine_address
        self.tracing = tracing

    @staticmethod
    def _fail(context: grpc.ServicerContext, error: Exception) -> Any:
        context.abort(grpc.StatusCode.UNKNOWN, str(error))

    def Handshake(self, request, context):  # noqa: N802 - gRPC method names
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):  # noqa: N802
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPackages(self, request, context):  # noqa: N802
        try:
            toolchain = Toolchain(request.info)
            ensure_virtualenv(toolchain)
            toolchain.validate()
            return language_pb2.GetRequiredPackagesResponse(packages=required_packages(toolchain))
        except HostError as exc:
            return self._fail(context, exc)

    def GetRequiredPlugins(self, request, context):  # noqa: N802
        # Deprecated by GetRequiredPackages; older engines still ask for it.
        try:
            toolchain = Toolchain(request.info)
            ensure_virtualenv(toolchain)
            toolchain.validate()
            plugins = [
                plugin_pb2.PluginDependency(name=p.name, kind=p.kind, version=p.version, server=p.server)
                for p in required_packages(toolchain)
            ]
            return language_pb2.GetRequiredPluginsResponse(plugins=plugins)
        except HostError as exc:
            return self._fail(context, exc)

    def _arguments(self, request: language_pb2.RunRequest) -> list[str]:
        """The exec script's flags, in the real host's order; empty values are left out."""
        args: list[str] = []
        for flag, value in (
            ("monitor", request.monitor_address),
            ("engine", self.engine_address),
            ("project", request.project),
            ("root_directory", request.info.root_directory),
            ("stack", request.stack),
            ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"),
            ("parallel", str(request.parallel)),
            ("tracing", self.tracing),
            ("organization", request.organization),
        ):
            if value:
                args += [f"--{flag}", value]
        return [*args, request.info.entry_point or request.program or ".", *request.args]

    def Run(self, request, context):  # noqa: N802
        if request.attach_debugger:
            return language_pb2.RunResponse(error=f"attaching a debugger {NOT_SUPPORTED}")
        try:
            toolchain = Toolchain(request.info)
            toolchain.validate()
            cmd = [toolchain.python(), self.exec_script, *self._arguments(request)]
        except HostError as exc:
            return self._fail(context, exc)
        env = toolchain.env()
        if request.config:
            env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            # stdout/stderr are inherited: the CLI shows what the program prints, as with the real host.
            proc = subprocess.Popen(cmd, env=env)
        except OSError as exc:
            return language_pb2.RunResponse(
                error=f"problem executing program (could not run language executor): {exc}"
            )
        # When the CLI gives up on this call (or we are stopped), the program goes too.
        context.add_callback(lambda: proc.poll() is None and proc.kill())
        code = proc.wait()
        if code == 0:
            return language_pb2.RunResponse()
        if code == BAIL_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        if code < 0:
            return language_pb2.RunResponse(error=f"program exited unexpectedly: signal {-code}")
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def InstallDependencies(self, request, context):  # noqa: N802
        try:
            toolchain = Toolchain(request.info)
            if request.is_plugin and not toolchain.virtualenv:
                toolchain.virtualenv_option, toolchain.virtualenv = (
                    "venv",
                    os.path.join(toolchain.root, "venv"),
                )
            yield language_pb2.InstallDependenciesResponse(stdout=b"Installing dependencies...\n\n")
            yield from install_dependencies(toolchain)
            yield language_pb2.InstallDependenciesResponse(stdout=b"Finished installing dependencies\n\n")
        except HostError as exc:
            self._fail(context, exc)

    def RuntimeOptionsPrompts(self, request, context):  # noqa: N802
        options = json_format.MessageToDict(request.info.options) if request.info.HasField("options") else {}
        string = language_pb2.RuntimeOptionPrompt.STRING
        value = language_pb2.RuntimeOptionPrompt.RuntimeOptionValue
        prompts = []
        if "toolchain" not in options:
            pip = value(promptType=string, stringValue="pip", displayName="pip")
            choices = [pip] + [
                value(promptType=string, stringValue=tool, displayName=tool)
                for tool in ("poetry", "uv")
                if shutil.which(tool)
            ]
            prompts.append(
                language_pb2.RuntimeOptionPrompt(
                    key="toolchain",
                    description="The toolchain to use for installing dependencies and running the program",
                    promptType=string,
                    choices=choices,
                    default=pip,
                )
            )
        elif options["toolchain"] == "pip" and "virtualenv" not in options:
            venv = value(promptType=string, stringValue="venv")
            prompts.append(
                language_pb2.RuntimeOptionPrompt(
                    key="virtualenv",
                    description="The virtualenv to use",
                    promptType=string,
                    choices=[venv],
                    default=venv,
                )
            )
        return language_pb2.RuntimeOptionsResponse(prompts=prompts)

    def About(self, request, context):  # noqa: N802
        try:
            toolchain = Toolchain(request.info)
            executable, version = toolchain.run(
                "-c", "import platform, sys; print(sys.executable); print(platform.python_version())"
            ).split()
            return language_pb2.AboutResponse(executable=executable, version=version)
        except HostError as exc:
            return self._fail(context, exc)

    def GetProgramDependencies(self, request, context):  # noqa: N802
        try:
            toolchain = Toolchain(request.info)
            args = ["-m", "pip", "list", "--format", "json"] + (
                [] if request.transitiveDependencies else ["--not-required"]
            )
            listed = json.loads(toolchain.run(*args))
        except (HostError, ValueError) as exc:
            return self._fail(context, HostError(f"failed to get python dependencies: {exc}"))
        deps = [
            language_pb2.DependencyInfo(name=re.sub(r"[-_.]+", "-", d["name"]).lower(), version=d["version"])
            for d in listed
        ]
        return language_pb2.GetProgramDependenciesResponse(dependencies=deps)

    def Cancel(self, request, context):  # noqa: N802
        return empty_pb2.Empty()

    def _unsupported(self, what: str, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{what} {NOT_SUPPORTED}")

    def Template(self, request, context):  # noqa: N802
        return self._unsupported("Template", context)

    def RunPlugin(self, request, context):  # noqa: N802
        return self._unsupported("running a Python plugin", context)

    def GenerateProgram(self, request, context):  # noqa: N802
        return self._unsupported("GenerateProgram", context)

    def GenerateProject(self, request, context):  # noqa: N802
        return self._unsupported("GenerateProject", context)

    def GeneratePackage(self, request, context):  # noqa: N802
        return self._unsupported("GeneratePackage", context)

    def Pack(self, request, context):  # noqa: N802
        return self._unsupported("Pack", context)

    def Link(self, request, context):  # noqa: N802
        return self._unsupported("Link", context)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-language-python (stand-in)")
    parser.add_argument("-tracing", "--tracing", default="")
    parser.add_argument("-use-executor", "--use-executor", default="")
    for obsolete in ("virtualenv", "root", "typechecker", "toolchain"):  # accepted and ignored, as upstream
        parser.add_argument(f"-{obsolete}", f"--{obsolete}")
    parser.add_argument("engine_address", nargs="?", default="")
    args, _ = parser.parse_known_args(argv)
    exec_script = args.use_executor or os.path.join(os.path.dirname(os.path.abspath(__file__)), EXEC_SCRIPT)
    if not os.path.isfile(exec_script):
        print(f"missing executor {exec_script}", file=sys.stderr)
        return 1

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        StandInLanguageHost(exec_script, args.engine_address, args.tracing), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)

    stopping = threading.Event()
    # Ctrl-C or SIGTERM: like the real host, take no more calls but let a running program finish.
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    parent = os.getppid()
    stopped: threading.Event | None = None
    while stopped is None or not stopped.wait(0.5):
        if os.getppid() != parent:
            # A killed CLI must not leave us (and the program) behind; the real host health-checks
            # the engine for the same reason.
            server.stop(grace=None).wait()
            return 1
        if stopped is None and stopping.wait(0.5):
            stopped = server.stop(grace=24 * 3600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
