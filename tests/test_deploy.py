"""Static checks of deploy/: the Dockerfile, the compose file and the Kubernetes manifests.

Nothing here builds an image or talks to a cluster. The checks make sure the pieces agree with
each other (ports, probe paths, names, secret keys, the one image) and with the real CLI
(every sub-command and flag the deploy files pass to ``festival`` exists).
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from litestar.handlers import HTTPRouteHandler

from festival.health import HealthController
from festival.settings import SettingsError, parse_forwarded_allow_ips

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SECRET_NAME = "festival-secrets"
SECRET_EXAMPLE = K8S / "secret.example.yaml"
STATE_DIR = "/var/lib/festival"
EXPECTED_SECRET_KEYS = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "SMTP_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
}

Doc = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# helpers


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def load_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as fh:
        docs = [d for d in yaml.safe_load_all(fh) if d is not None]
    for doc in docs:
        assert isinstance(doc, dict), f"{path}: every YAML document should be a mapping"
    return docs


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "Dockerfile ends with a dangling line continuation"
    return instructions


def dockerfile_json(instruction: str) -> list[str]:
    """The exec-form (JSON array) argument of the last INSTRUCTION."""
    values = [rest for keyword, rest in dockerfile_instructions() if keyword == instruction]
    assert values, f"Dockerfile has no {instruction}"
    parsed = json.loads(values[-1])
    assert isinstance(parsed, list) and all(isinstance(x, str) for x in parsed), (
        f"{instruction} should use the exec (JSON array) form"
    )
    return parsed


def dockerfile_argv() -> list[str]:
    return dockerfile_json("ENTRYPOINT") + dockerfile_json("CMD")


def option_value(argv: list[str], option: str) -> str | None:
    for i, token in enumerate(argv):
        if token == option and i + 1 < len(argv):
            return argv[i + 1]
        if token.startswith(option + "="):
            return token.split("=", 1)[1]
    return None


def compose() -> Doc:
    (doc,) = load_docs(DEPLOY / "compose.yaml")
    return doc


def compose_service(name: str) -> Doc:
    services = compose()["services"]
    assert name in services, f"compose.yaml has no service {name!r}"
    service = services[name]
    assert isinstance(service, dict)
    return service


def compose_argv(name: str) -> list[str]:
    """The full ``festival ...`` command line a compose service runs (ENTRYPOINT + command)."""
    command = compose_service(name).get("command")
    assert command is not None, f"compose service {name!r} sets no command"
    args = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    return dockerfile_json("ENTRYPOINT") + args


def k8s_docs() -> list[tuple[Path, Doc]]:
    return [(path, doc) for path in sorted(K8S.glob("*.yaml")) for doc in load_docs(path)]


def k8s_resource(kind: str, component: str | None = None) -> Doc:
    found = [
        doc
        for path, doc in k8s_docs()
        if doc.get("kind") == kind
        and path.name != "kustomization.yaml"
        and (component is None or doc["metadata"]["labels"].get("app.kubernetes.io/component") == component)
    ]
    assert len(found) == 1, f"expected exactly one {kind} (component={component}), found {len(found)}"
    return found[0]


def pod_spec(workload: Doc) -> Doc:
    spec = workload["spec"]["template"]["spec"]
    assert isinstance(spec, dict)
    return spec


def only_container(workload: Doc) -> Doc:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, "each festival workload runs exactly one container"
    container = containers[0]
    assert isinstance(container, dict)
    return container


def container_argv(container: Doc) -> list[str]:
    """command + args; without ``command`` the image's ENTRYPOINT (festival) applies."""
    command = container.get("command") or dockerfile_json("ENTRYPOINT")
    return [str(x) for x in command] + [str(x) for x in container.get("args", [])]


def resolve_port(container: Doc, port: int | str) -> int:
    if isinstance(port, int):
        return port
    if port.isdigit():
        return int(port)
    for declared in container.get("ports", []):
        if declared.get("name") == port:
            value = declared["containerPort"]
            assert isinstance(value, int)
            return value
    raise AssertionError(f"port name {port!r} is not declared on container {container['name']!r}")


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a nested structure of dicts and lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def trusted_proxies(value: str) -> tuple[str, ...]:
    """``FORWARDED_ALLOW_IPS`` as the app reads it (a compose ``${VAR:-default}`` gives its default)."""
    if value.startswith("${"):
        name, _, default = value[2:-1].partition(":-")
        assert name == "FORWARDED_ALLOW_IPS" and default, f"{value}: give a default for a proxy on this host"
        value = default
    try:
        return parse_forwarded_allow_ips("FORWARDED_ALLOW_IPS", value)
    except SettingsError as exc:
        raise AssertionError(f"FORWARDED_ALLOW_IPS={value!r} would stop the app: {exc}") from None


def app_health_paths() -> set[str]:
    """Every GET path of the app's HealthController."""
    paths = set()
    for value in vars(HealthController).values():
        if isinstance(value, HTTPRouteHandler) and "GET" in value.http_methods:
            paths |= {(HealthController.path.rstrip("/") + path).rstrip("/") or "/" for path in value.paths}
    return paths


def deploy_command_lines() -> list[list[str]]:
    """Every ``festival ...`` command line the deploy files run."""
    lines = [dockerfile_argv()]
    lines += [compose_argv(name) for name in ("web", "worker", "migrate")]
    lines += [container_argv(only_container(k8s_resource("Deployment", c))) for c in ("web", "worker")]
    lines.append(container_argv(only_container(k8s_resource("Job", "migrate"))))
    return lines


# ---------------------------------------------------------------------------------------------
# every YAML file


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_file_parses(path: Path) -> None:
    assert load_docs(path), f"{path} holds no YAML document"


def test_expected_files_exist() -> None:
    for name in (
        "Dockerfile",
        "Dockerfile.dockerignore",
        "compose.yaml",
        "README.md",
        "k8s/kustomization.yaml",
        "k8s/secret.example.yaml",
    ):
        assert (DEPLOY / name).is_file(), f"deploy/{name} is missing"


# ---------------------------------------------------------------------------------------------
# Dockerfile


def test_dockerfile_is_multi_stage_on_slim_python() -> None:
    instructions = dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(froms) >= 2, "the Dockerfile should have a builder and a runtime stage"
    args = dict(rest.split("=", 1) for keyword, rest in instructions if keyword == "ARG" and "=" in rest)
    runtime_image = froms[-1].split()[0]
    if runtime_image.startswith("${"):
        runtime_image = args[runtime_image.strip("${}")]
    assert runtime_image.startswith("python:3.1") and runtime_image.endswith("-slim"), runtime_image
    copies = [rest for keyword, rest in instructions if keyword == "COPY"]
    assert any(rest.startswith("--from=") for rest in copies), "the runtime stage should copy from the builder"


def test_dockerfile_runs_as_non_root() -> None:
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile never sets USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "use a numeric UID so that Kubernetes runAsNonRoot can verify it"


def test_dockerfile_expose_entrypoint_cmd_healthcheck() -> None:
    instructions = dockerfile_instructions()
    exposed = {p.split("/")[0] for keyword, rest in instructions if keyword == "EXPOSE" for p in rest.split()}
    assert "8000" in exposed
    assert dockerfile_json("ENTRYPOINT") == ["festival"]
    argv = dockerfile_argv()
    assert argv[1] == "serve"
    assert option_value(argv, "--host") == "0.0.0.0"
    assert option_value(argv, "--port") == "8000"
    health = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    assert health, "the Dockerfile has no HEALTHCHECK"
    assert "urllib" in health[-1] and "http://127.0.0.1:8000/health" in health[-1]
    envs = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert f"FESTIVAL_STATE_DIR={STATE_DIR}" in envs


def test_dockerignore_excludes_local_state() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".venv", "var", ".git"):
        assert needed in patterns, f"Dockerfile.dockerignore should exclude {needed}"
    assert any("__pycache__" in p for p in patterns)
    for kept in ("festival", "pyproject.toml", "README.md", "migrations"):
        assert kept not in patterns, f"the build needs {kept}"


# ---------------------------------------------------------------------------------------------
# compose


def test_compose_services_exist() -> None:
    assert {"postgres", "redis", "migrate", "web", "worker"} <= set(compose()["services"])


def test_compose_app_services_share_one_image() -> None:
    web, worker, migrate = (compose_service(n) for n in ("web", "worker", "migrate"))
    assert web.get("image") or web.get("build"), "web needs an image or a build"
    for other in (worker, migrate):
        assert other.get("image") == web.get("image")
        assert other.get("build") == web.get("build")
    build = web.get("build")
    if isinstance(build, dict):
        assert (DEPLOY / build.get("context", ".") / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_compose_commands() -> None:
    assert compose_argv("web")[1] == "serve"
    assert compose_argv("worker")[1] == "worker"
    assert compose_argv("migrate")[1:] == ["migrate"]
    assert option_value(compose_argv("web"), "--port") == "8000"
    assert option_value(compose_argv("worker"), "--health-port") == "8001"


def test_compose_web_publishes_8000() -> None:
    targets: set[int] = set()
    for port in compose_service("web").get("ports", []):
        if isinstance(port, dict):
            targets.add(int(port["target"]))
        else:
            targets.add(int(str(port).rsplit(":", 1)[-1].split("/")[0]))
    assert 8000 in targets


def test_compose_migrate_runs_once_before_the_app() -> None:
    assert compose_service("migrate").get("restart") == "no"
    assert compose_service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        depends = compose_service(name)["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert compose_service("web")["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "web", "worker"):
        assert "test" in compose_service(name).get("healthcheck", {}), f"{name} has no healthcheck"


def test_compose_healthchecks_match_ports() -> None:
    web_check = " ".join(compose_service("web")["healthcheck"]["test"])
    worker_check = " ".join(compose_service("worker")["healthcheck"]["test"])
    assert "127.0.0.1:8000/health" in web_check
    assert f"127.0.0.1:{option_value(compose_argv('worker'), '--health-port')}/health" in worker_check


def test_compose_environment() -> None:
    env = compose_service("web")["environment"]
    assert isinstance(env, dict), "use the x-festival-env mapping"
    assert env == compose_service("worker")["environment"] == compose_service("migrate")["environment"]
    assert "x-festival-env" in compose()
    for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_URL", "FESTIVAL_STATE_DIR", "FORWARDED_ALLOW_IPS"):
        assert key in env, f"compose environment lacks {key}"
    assert str(env["SECRET_KEY"]).startswith("${SECRET_KEY:?"), "SECRET_KEY must be required"
    assert env["FESTIVAL_STATE_DIR"] == STATE_DIR
    assert str(env["DATABASE_URL"]).startswith("postgres://")
    assert str(env["REDIS_URL"]).startswith("redis://redis:")


def test_compose_trusts_only_the_proxy_on_this_host() -> None:
    """--proxy-headers believes X-Forwarded-For only from FORWARDED_ALLOW_IPS: private ranges, never '*'."""
    assert "--proxy-headers" in compose_argv("web")
    assert "--forwarded-allow-ips" not in compose_argv("web"), "set in one place: FORWARDED_ALLOW_IPS"
    trusted = trusted_proxies(str(compose_service("web")["environment"]["FORWARDED_ALLOW_IPS"]))
    for entry in trusted:
        assert ipaddress.ip_network(entry).is_private, f"{entry}: a proxy on this host comes from a private range"
    ports = [str(p) for p in compose_service("web")["ports"]]
    assert all(p.startswith("${FESTIVAL_BIND:-127.0.0.1}:") for p in ports), "published for a local proxy only"


# ---------------------------------------------------------------------------------------------
# Kubernetes


def test_kustomization_resources_exist() -> None:
    (kustomization,) = load_docs(K8S / "kustomization.yaml")
    resources = kustomization["resources"]
    assert SECRET_EXAMPLE.name not in resources, "the example Secret must never be applied"
    for resource in resources:
        assert (K8S / resource).is_file(), f"kustomization.yaml lists missing {resource}"
    listed = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRET_EXAMPLE.name}
    assert listed == set(resources), "every manifest should be listed in kustomization.yaml"


def test_k8s_labels() -> None:
    for path, doc in k8s_docs():
        if doc.get("kind") == "Kustomization":
            continue
        labels = doc["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/name") == "festival", f"{path.name}: {doc['kind']}"
        if doc["kind"] in {"Deployment", "Job"}:
            pod_labels = doc["spec"]["template"]["metadata"]["labels"]
            assert pod_labels["app.kubernetes.io/component"] in {"web", "worker", "migrate"}
            assert pod_labels["app.kubernetes.io/component"] == labels["app.kubernetes.io/component"]
        if doc["kind"] == "Deployment":
            assert (
                doc["spec"]["selector"]["matchLabels"].items() <= doc["spec"]["template"]["metadata"]["labels"].items()
            )


def test_web_deployment() -> None:
    web = k8s_resource("Deployment", "web")
    assert web["spec"]["replicas"] == 3
    container = only_container(web)
    argv = container_argv(container)
    assert argv[:2] == ["festival", "serve"]
    assert option_value(argv, "--port") == "8000"
    assert option_value(argv, "--host") == "0.0.0.0"
    assert "--proxy-headers" in argv, "behind the ingress the client address comes from X-Forwarded-For"
    assert {"name": "http", "containerPort": 8000}.items() <= container["ports"][0].items()
    # Liveness must not include the database and Redis: their outage would restart every pod.
    expected_paths = {"readinessProbe": "/health", "startupProbe": "/health", "livenessProbe": "/health/live"}
    for probe, path in expected_paths.items():
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == path, probe
        assert path in app_health_paths(), f"{probe}: the app serves no GET {path}"
        assert http_get["port"] == "http", f"{probe} should use the named port"
        assert resolve_port(container, http_get["port"]) == 8000
    assert "requests" in container["resources"] and "limits" in container["resources"]


def test_worker_deployment() -> None:
    worker = k8s_resource("Deployment", "worker")
    assert worker["spec"]["replicas"] == 2
    container = only_container(worker)
    argv = container_argv(container)
    assert argv[:2] == ["festival", "worker"]
    health_port = option_value(argv, "--health-port")
    assert health_port == "8001"
    assert int(health_port) in {p["containerPort"] for p in container.get("ports", [])}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if probe == "startupProbe" and probe not in container:
            continue
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == "/health", probe
        assert resolve_port(container, http_get["port"]) == int(health_port), probe


def test_migrate_job() -> None:
    job = k8s_resource("Job", "migrate")
    assert container_argv(only_container(job))[1:] == ["migrate"]
    assert isinstance(job["spec"]["backoffLimit"], int)
    assert pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}


@pytest.mark.parametrize("kind,component", [("Deployment", "web"), ("Deployment", "worker"), ("Job", "migrate")])
def test_workload_security_and_config(kind: str, component: str) -> None:
    workload = k8s_resource(kind, component)
    spec = pod_spec(workload)
    container = only_container(workload)
    assert spec["securityContext"]["runAsNonRoot"] is True
    uid = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"][-1].split(":")[0]
    assert spec["securityContext"].get("runAsUser", int(uid)) == int(uid), "runAsUser should match the image"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    for path in (STATE_DIR, "/tmp"):
        assert path in mounts, f"{component}: {path} must be writable (read-only root filesystem)"
        assert "emptyDir" in volumes[mounts[path]]
    env_from = container["envFrom"]
    assert {"configMapRef": {"name": "festival-config"}} in env_from
    assert any(e.get("secretRef", {}).get("name") == SECRET_NAME for e in env_from)
    assert container["image"] == only_container(k8s_resource("Deployment", "web"))["image"], "one image"


def test_configmap() -> None:
    configmap = k8s_resource("ConfigMap")
    assert configmap["metadata"]["name"] == "festival-config"
    data = configmap["data"]
    assert data["FESTIVAL_STATE_DIR"] == STATE_DIR
    assert data["PUBLIC_URL"].startswith("https://")
    assert not set(data) & EXPECTED_SECRET_KEYS, "secrets belong in the Secret, not the ConfigMap"


def test_k8s_web_trusts_only_the_ingress_network() -> None:
    """The web pods run --proxy-headers: FORWARDED_ALLOW_IPS names the ingress controller's network."""
    argv = container_argv(only_container(k8s_resource("Deployment", "web")))
    assert "--proxy-headers" in argv
    assert "--forwarded-allow-ips" not in argv, "set in one place: FORWARDED_ALLOW_IPS in the ConfigMap"
    trusted = trusted_proxies(k8s_resource("ConfigMap")["data"]["FORWARDED_ALLOW_IPS"])
    assert trusted != ("127.0.0.1",), "the ingress controller is another pod, not this one's loopback"
    for entry in trusted:
        assert ipaddress.ip_network(entry).is_private, f"{entry}: pod networks are private ranges"
    text = (K8S / "configmap.yaml").read_text(encoding="utf-8")
    assert "ingress controller" in text, "the ConfigMap says what to set FORWARDED_ALLOW_IPS to"


def test_readme_covers_trusted_proxies_and_liveness() -> None:
    text = " ".join((DEPLOY / "README.md").read_text(encoding="utf-8").split())
    assert "FORWARDED_ALLOW_IPS" in text and "--forwarded-allow-ips" in text
    assert "/health/live" in text
    assert "trusts these headers from any peer" not in text, "no longer true"


def test_service_targets_web_http_port() -> None:
    service = k8s_resource("Service")
    web = k8s_resource("Deployment", "web")
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80
    assert port["targetPort"] == "http"
    assert resolve_port(only_container(web), port["targetPort"]) == 8000


def test_ingress_routes_to_service() -> None:
    ingress = k8s_resource("Ingress")
    service = k8s_resource("Service")
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "festival.example.org"
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/"
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    service_ports = service["spec"]["ports"]
    if "name" in backend["port"]:
        assert backend["port"]["name"] in {p.get("name") for p in service_ports}
    else:
        assert backend["port"]["number"] in {p["port"] for p in service_ports}
    (tls,) = ingress["spec"]["tls"]
    assert rule["host"] in tls["hosts"] and tls["secretName"]


def test_secret_references_match_example() -> None:
    (example,) = load_docs(SECRET_EXAMPLE)
    assert example["kind"] == "Secret" and example["metadata"]["name"] == SECRET_NAME
    example_keys = set(example.get("stringData", {})) | set(example.get("data", {}))
    assert EXPECTED_SECRET_KEYS <= example_keys
    assert len(example["stringData"]["SECRET_KEY"]) >= 32
    assert "EXAMPLE" in example["stringData"]["SECRET_KEY"].upper()
    references = 0
    for path, doc in k8s_docs():
        if path == SECRET_EXAMPLE:
            continue
        for key, value in walk(doc):
            if key == "secretKeyRef":
                references += 1
                assert value["name"] == SECRET_NAME, f"{path.name}: secretKeyRef to {value['name']}"
                assert value["key"] in example_keys, f"{path.name}: key {value['key']} not in the example"
            elif key == "envFrom":
                for source in value:
                    if "secretRef" in source:
                        references += 1
                        assert source["secretRef"]["name"] == SECRET_NAME, path.name
    assert references >= 3, "web, worker and migrate all need the Secret"


# ---------------------------------------------------------------------------------------------
# the real CLI


def test_deploy_commands_exist_in_cli() -> None:
    """Every sub-command and flag the deploy files pass to ``festival`` is defined by festival.cli."""
    cli = importlib.import_module("festival.cli")
    main = cli.main
    assert isinstance(main, click.Group), "festival.cli.main should be a click Group"
    lines = deploy_command_lines()
    used_commands = {line[1] for line in lines}
    assert used_commands == {"serve", "worker", "migrate"}
    required_flags = {"serve": {"--host", "--port", "--workers"}, "worker": {"--health-port"}, "migrate": set()}
    for line in lines:
        assert line[0] == "festival"
        name = line[1]
        assert name in main.commands, f"festival has no sub-command {name!r}"
        command = main.commands[name]
        options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        flags = {token.split("=", 1)[0] for token in line[2:] if token.startswith("--")}
        missing = (flags | required_flags[name]) - options
        assert not missing, f"festival {name} has no option(s) {sorted(missing)}"
