#!/usr/bin/env python3
"""Checks that the deployment files parse and agree with one another.

    python3 deploy/check-manifests.py [DEPLOY_DIR]

Every YAML file under DEPLOY_DIR (default: this file's directory) must
parse. Then the fields that a typo would silently break are compared with
deploy/Containerfile, the workspace's Cargo.toml and one another: probe
paths and ports, the non-root user, the read-only root filesystem, the image
name and version, the migration command and the roles in the database URLs,
the release key's path, and the references between Kubernetes objects.
Prints one line per problem and exits 1 if there is any. Needs PyYAML
(Debian: python3-yaml). scripts/containers runs it.
"""

import ipaddress
import re
import sys
from pathlib import Path

import yaml

DEPLOY = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent).resolve()
ROOT = Path(__file__).resolve().parent.parent
problems = []
checked = 0


def check(ok, message):
    global checked
    checked += 1
    if not ok:
        problems.append(message)
    return ok


def dig(doc, *path, default=None):
    for key in path:
        if isinstance(doc, dict) and key in doc:
            doc = doc[key]
        elif isinstance(doc, list) and isinstance(key, int) and key < len(doc):
            doc = doc[key]
        else:
            return default
    return doc


# --- The Containerfile and the workspace: what the others must agree with.
containerfile = (DEPLOY / "Containerfile").read_text()
version = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
title = re.search(r'org\.opencontainers\.image\.title="([^"]+)"', containerfile)
IMAGE = title.group(1) if title else None
check(IMAGE == "charta", f"Containerfile: image title label is {IMAGE!r}, not 'charta'")
user = re.search(r"^USER (\d+):(\d+)$", containerfile, re.M)
check(user is not None, "Containerfile: no numeric USER uid:gid")
UID = int(user.group(1)) if user else None
check(UID not in (None, 0), "Containerfile: USER is root")
listen = re.search(r"^ENV CHARTA_LISTEN=0\.0\.0\.0:(\d+)$", containerfile, re.M)
PORT = int(listen.group(1)) if listen else None
check(PORT is not None, "Containerfile: no ENV CHARTA_LISTEN=0.0.0.0:PORT")
check(re.search(rf"^EXPOSE {PORT}$", containerfile, re.M) is not None,
      f"Containerfile: EXPOSE is not the listen port {PORT}")
health = re.search(r"^HEALTHCHECK .*(?:\n\s+.*)*", containerfile, re.M)
check(health is not None and "/readyz" in health.group(0),
      "Containerfile: HEALTHCHECK does not ask /readyz")
check(re.search(r'^ENTRYPOINT \["/usr/local/bin/charta"\]$', containerfile, re.M) is not None,
      "Containerfile: ENTRYPOINT is not /usr/local/bin/charta")
check("cargo build --release --locked -p charta" in containerfile,
      "Containerfile: the builder does not run cargo build --release --locked -p charta")
for arg in ("RUST_IMAGE", "RUNTIME_IMAGE"):
    check(re.search(rf"^ARG {arg}=\S+$", containerfile, re.M) is not None,
          f"Containerfile: no ARG {arg} with a default")
for mount in re.findall(r"type=cache,target=(\S+?),", containerfile):
    check(mount.startswith("/usr/local/cargo/") or mount.startswith("/src/"),
          f"Containerfile: cache mount {mount} outside CARGO_HOME and /src")

SERVING_ROLE = "charta"
OWNER_ROLE = "charta_owner"
MIGRATE = ["migrate", "--grant-to", SERVING_ROLE]


def url_role(url):
    m = re.match(r"postgres(?:ql)?://([^:@/]+)", str(url or ""))
    return m.group(1) if m else None


# --- Every YAML file parses.
docs = {}
for path in sorted(DEPLOY.rglob("*.y*ml")):
    rel = path.relative_to(DEPLOY)
    try:
        docs[str(rel)] = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as e:
        check(False, f"{rel}: does not parse: {e}")
check("compose.yaml" in docs, "compose.yaml is missing or does not parse")
check("k8s/kustomization.yaml" in docs, "k8s/kustomization.yaml is missing or does not parse")

# --- compose.yaml
compose = (docs.get("compose.yaml") or [{}])[0]
services = compose.get("services", {})
for name in ("postgres", "migrate", "charta-a", "charta-b", "nginx"):
    check(name in services, f"compose.yaml: no service {name}")
nodes = [n for n in ("charta-a", "charta-b") if n in services]
expected_image = f"${{CHARTA_IMAGE:-localhost/{IMAGE}:{version}}}"
check("cli" in services and dig(services, "cli", "profiles") == ["tools"],
      "compose.yaml: no service cli for one-off commands (profile tools)")
check(url_role(dig(services, "cli", "environment", "CHARTA_DATABASE_URL")) == SERVING_ROLE,
      f"compose.yaml: cli does not connect as {SERVING_ROLE}")
for name in ["migrate", "cli", *nodes]:
    s = services.get(name, {})
    where = f"compose.yaml: {name}"
    check(s.get("image") == expected_image, f"{where}: image {s.get('image')!r}, not {expected_image!r}")
    check(dig(s, "build", "dockerfile") == "deploy/Containerfile" and dig(s, "build", "context") == "..",
          f"{where}: does not build deploy/Containerfile from the repository root")
    check(s.get("read_only") is True, f"{where}: read_only is not true")
    check(str(s.get("user")) == f"{UID}:{UID}", f"{where}: user {s.get('user')!r}, not {UID}:{UID}")
    check(s.get("cap_drop") == ["ALL"], f"{where}: cap_drop is not [ALL]")
mig = services.get("migrate", {})
check(mig.get("command") == MIGRATE, f"compose.yaml: migrate runs {mig.get('command')}, not {MIGRATE}")
check(url_role(dig(mig, "environment", "CHARTA_DATABASE_URL")) == OWNER_ROLE,
      f"compose.yaml: migrate does not connect as {OWNER_ROLE}")
check(dig(mig, "depends_on", "postgres", "condition") == "service_healthy",
      "compose.yaml: migrate does not wait for a healthy postgres")
for name in nodes:
    s = services[name]
    env = s.get("environment", {})
    where = f"compose.yaml: {name}"
    check(s.get("command") == ["serve"], f"{where}: command is not [serve]")
    check(url_role(env.get("CHARTA_DATABASE_URL")) == SERVING_ROLE, f"{where}: does not connect as {SERVING_ROLE}")
    check(env.get("CHARTA_MIGRATE") == "false", f"{where}: CHARTA_MIGRATE is not \"false\"")
    check(env.get("CHARTA_LISTEN") == f"0.0.0.0:{PORT}", f"{where}: CHARTA_LISTEN is not 0.0.0.0:{PORT}")
    check(dig(s, "depends_on", "migrate", "condition") == "service_completed_successfully",
          f"{where}: does not wait for the migration to succeed")
    test = " ".join(dig(s, "healthcheck", "test", default=[]))
    check(f"127.0.0.1:{PORT}/readyz" in test, f"{where}: healthcheck does not ask :{PORT}/readyz")
    key = env.get("CHARTA_RELEASE_KEY", "")
    secrets = s.get("secrets", [])
    check(key.startswith("/run/secrets/") and key.removeprefix("/run/secrets/") in secrets,
          f"{where}: CHARTA_RELEASE_KEY {key!r} is not one of its secrets {secrets}")
    for secret in secrets:
        check(secret in compose.get("secrets", {}), f"{where}: secret {secret} is not defined")
    check(not any(v in ("", None) for k, v in env.items() if k.startswith("CHARTA_OIDC")),
          f"{where}: an empty CHARTA_OIDC_* variable counts as set")
subnets = [c.get("subnet") for c in dig(compose, "networks", "charta", "ipam", "config", default=[])]
check(len(subnets) == 1 and subnets[0], f"compose.yaml: the charta network has no one subnet: {subnets}")
check(dig(services, "nginx", "networks") == ["charta"],
      "compose.yaml: nginx is not on the charta network (with an address the network assigns)")
for name in nodes:
    check(dig(services, name, "environment", "CHARTA_TRUSTED_PROXIES") == subnets[0],
          f"compose.yaml: {name} does not trust the charta network {subnets[0]}, where nginx is")


def default_of(value):
    """The default of a "${VAR:-default}" value, or the value itself."""
    m = re.fullmatch(r"\$\{\w+:-([^}]*)\}", str(value))
    return m.group(1) if m else str(value)


# nginx resolves the upstream names once: a node must keep its address
# across restarts, so each has a fixed one, in the network's range.
addresses = {}
for name in nodes:
    address = dig(services, name, "networks", "charta", "ipv4_address")
    check(address is not None, f"compose.yaml: {name} has no fixed ipv4_address on the charta network")
    if address is None or not subnets or not subnets[0]:
        continue
    try:
        inside = ipaddress.ip_address(default_of(address)) in ipaddress.ip_network(default_of(subnets[0]))
    except ValueError as e:
        inside = False
        check(False, f"compose.yaml: {name}: {e}")
    check(inside, f"compose.yaml: {name}'s address {default_of(address)} is not in {default_of(subnets[0])}")
    addresses[name] = default_of(address)
check(len(set(addresses.values())) == len(addresses), f"compose.yaml: the nodes share an address: {addresses}")
check("./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in dig(services, "nginx", "volumes", default=[]),
      "compose.yaml: nginx does not mount ./nginx.conf")
check("./postgres-init.sh:/docker-entrypoint-initdb.d/charta.sh:ro" in dig(services, "postgres", "volumes", default=[]),
      "compose.yaml: postgres does not run ./postgres-init.sh")
for secret in compose.get("secrets", {}).values():
    check((DEPLOY / secret.get("file", "")).parent.name == "secrets", "compose.yaml: a secret file outside secrets/")

# Prometheus scrapes each node's metrics port, which only the compose
# network reaches.
prom = dig(services, "prometheus", default={})
check(prom.get("profiles") == ["monitoring"], "compose.yaml: no service prometheus (profile monitoring)")
check("./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prom.get("volumes", []),
      "compose.yaml: prometheus does not mount ./prometheus.yml")
try:
    prom_conf = yaml.safe_load((DEPLOY / "prometheus.yml").read_text()) or {}
except (OSError, yaml.YAMLError) as e:
    prom_conf = {}
    check(False, f"prometheus.yml: {e}")
targets = sorted(t for job in prom_conf.get("scrape_configs", []) for sc in job.get("static_configs", [])
                 for t in sc.get("targets", []))
metrics_ports = set()
for name in nodes:
    listen = dig(services, name, "environment", "CHARTA_METRICS_LISTEN", default="")
    check(listen.startswith("0.0.0.0:"), f"compose.yaml: {name} has no CHARTA_METRICS_LISTEN on 0.0.0.0")
    metrics_ports.add(listen.rsplit(":", 1)[-1])
    check(not any(str(p).endswith(":" + listen.rsplit(":", 1)[-1]) for p in dig(services, name, "ports", default=[])),
          f"compose.yaml: {name} publishes its metrics port")
expected_targets = sorted(f"{n}:{p}" for n in nodes for p in metrics_ports)
check(targets == expected_targets, f"prometheus.yml: targets {targets}, not {expected_targets}")

nginx = (DEPLOY / "nginx.conf").read_text()
check("proxy_next_upstream error timeout http_502;" in nginx,
      "nginx.conf: no proxy_next_upstream error timeout http_502")
for name in nodes:
    check(f"server {name}:{PORT} " in nginx, f"nginx.conf: no upstream server {name}:{PORT}")
check(re.search(rf"^\s*listen {PORT};$", nginx, re.M) is not None
      and any(str(p).endswith(f":{PORT}") for p in dig(services, "nginx", "ports", default=[])),
      f"nginx.conf and compose.yaml: nginx does not listen on {PORT} as published")

init = (DEPLOY / "postgres-init.sh").read_text()
for role in (OWNER_ROLE, SERVING_ROLE):
    check(f"CREATE ROLE {role} LOGIN" in init, f"postgres-init.sh: does not create the role {role}")
check(f"CREATE DATABASE charta OWNER {OWNER_ROLE}" in init, "postgres-init.sh: the database's owner")

# --- Kubernetes
kust = (docs.get("k8s/kustomization.yaml") or [{}])[0]
listed = kust.get("resources", [])
present = sorted(p.removeprefix("k8s/") for p in docs if p.startswith("k8s/") and p != "k8s/kustomization.yaml")
check(sorted(listed) == present, f"k8s/kustomization.yaml: resources {sorted(listed)} are not the files {present}")
images = {i.get("name"): i for i in kust.get("images", [])}
check(list(images) == [IMAGE], f"k8s/kustomization.yaml: images {list(images)}, not [{IMAGE!r}]")
check(str(dig(images, IMAGE, "newTag")) == version,
      f"k8s/kustomization.yaml: newTag {dig(images, IMAGE, 'newTag')!r}, not the workspace version {version}")

objects = {}
for path in listed:
    for doc in docs.get(f"k8s/{path}", []):
        where = f"k8s/{path}"
        for field in ("apiVersion", "kind"):
            check(field in doc, f"{where}: no {field}")
        check(dig(doc, "metadata", "name") is not None, f"{where}: no metadata.name")
        objects[(doc.get("kind"), dig(doc, "metadata", "name"))] = (where, doc)


def obj(kind, name):
    found = objects.get((kind, name))
    check(found is not None, f"k8s: no {kind} {name}")
    return found or (f"k8s ({kind} {name})", {})


secret_where, secret = obj("Secret", "charta")
secret_keys = set((secret.get("stringData") or {}) | (secret.get("data") or {}))


def check_pod(where, spec, containers):
    pod = spec.get("securityContext", {})
    check(pod.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot is not true")
    check(pod.get("runAsUser") == UID, f"{where}: runAsUser {pod.get('runAsUser')}, not the image's {UID}")
    check(dig(pod, "seccompProfile", "type") == "RuntimeDefault", f"{where}: seccompProfile is not RuntimeDefault")
    check(spec.get("automountServiceAccountToken") is False, f"{where}: mounts a service account token")
    for c in containers:
        cw = f"{where}: container {c.get('name')}"
        check(c.get("image") == IMAGE, f"{cw}: image {c.get('image')!r}, not {IMAGE!r} (set by kustomization)")
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem is not true")
        check(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation is not false")
        check(dig(sc, "capabilities", "drop") == ["ALL"], f"{cw}: capabilities.drop is not [ALL]")
        check(dig(c, "resources", "requests", "cpu") and dig(c, "resources", "requests", "memory"),
              f"{cw}: no cpu and memory requests")
        for e in c.get("env", []):
            ref = dig(e, "valueFrom", "secretKeyRef")
            if ref:
                check(ref.get("name") == "charta" and ref.get("key") in secret_keys,
                      f"{cw}: {e.get('name')} names {ref}, not a key of Secret charta")
        mounts = {m.get("name") for m in c.get("volumeMounts", [])}
        volumes = {v.get("name") for v in spec.get("volumes", [])}
        check(mounts <= volumes, f"{cw}: mounts {sorted(mounts - volumes)} that are no volumes")


def env_of(c):
    return {e.get("name"): e for e in c.get("env", [])}


job_where, job = obj("Job", "charta-migrate")
job_spec = dig(job, "spec", "template", "spec", default={})
job_containers = job_spec.get("containers", [])
check_pod(job_where, job_spec, job_containers)
check(len(job_containers) == 1, f"{job_where}: not one container")
for c in job_containers:
    check(c.get("args") == MIGRATE and "command" not in c,
          f"{job_where}: runs {c.get('command') or 'charta'} {c.get('args')}, not charta {' '.join(MIGRATE)}")
    owner_key = dig(env_of(c), "CHARTA_DATABASE_URL", "valueFrom", "secretKeyRef", "key")
    check(url_role(dig(secret, "stringData", owner_key)) == OWNER_ROLE,
          f"{job_where}: CHARTA_DATABASE_URL ({owner_key}) is not the {OWNER_ROLE} role's URL")
check(job_spec.get("restartPolicy") in ("Never", "OnFailure"), f"{job_where}: restartPolicy")

dep_where, dep = obj("Deployment", "charta")
pod_spec = dig(dep, "spec", "template", "spec", default={})
check(dig(dep, "spec", "replicas") == 2, f"{dep_where}: replicas is not 2")
pod_labels = dig(dep, "spec", "template", "metadata", "labels", default={})
selector = dig(dep, "spec", "selector", "matchLabels", default={})
check(selector and selector.items() <= pod_labels.items(), f"{dep_where}: selector does not match the pod labels")
check_pod(dep_where, pod_spec, pod_spec.get("initContainers", []) + pod_spec.get("containers", []))
servers = [c for c in pod_spec.get("containers", []) if c.get("name") == "charta"]
check(len(servers) == 1, f"{dep_where}: no container charta")
for c in servers:
    env = env_of(c)
    check(c.get("args") == ["serve"] and "command" not in c, f"{dep_where}: does not run charta serve")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
    check(ports.get("http") == PORT, f"{dep_where}: port http is {ports.get('http')}, not {PORT}")
    check(dig(env, "CHARTA_LISTEN", "value") == f"0.0.0.0:{PORT}", f"{dep_where}: CHARTA_LISTEN")
    check(dig(env, "CHARTA_MIGRATE", "value") == "false", f"{dep_where}: CHARTA_MIGRATE is not \"false\"")
    serve_key = dig(env, "CHARTA_DATABASE_URL", "valueFrom", "secretKeyRef", "key")
    check(url_role(dig(secret, "stringData", serve_key)) == SERVING_ROLE,
          f"{dep_where}: CHARTA_DATABASE_URL ({serve_key}) is not the {SERVING_ROLE} role's URL")
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        got = dig(c, probe, "httpGet", "path")
        check(got == path, f"{dep_where}: {probe.removesuffix('Probe')} probe asks {got!r}, not {path}")
        port = dig(c, probe, "httpGet", "port")
        check(port in ("http", PORT), f"{dep_where}: {probe} port {port!r} is not the http port")
    # The node listens only once PostgreSQL answers and the migration is
    # applied; the startup probe must allow for the whole wait.
    wait = int(dig(env, "CHARTA_DATABASE_WAIT", "value", default="60"))
    allowed = dig(c, "startupProbe", "periodSeconds", default=10) * dig(c, "startupProbe", "failureThreshold", default=3)
    check(allowed >= wait, f"{dep_where}: the startup probe allows {allowed} s, less than CHARTA_DATABASE_WAIT ({wait} s)")
    key = dig(env, "CHARTA_RELEASE_KEY", "value", default="")
    mounts = [m.get("mountPath") for m in c.get("volumeMounts", [])]
    check(str(Path(key).parent) in mounts, f"{dep_where}: CHARTA_RELEASE_KEY {key!r} is not in a mounted volume")
    public = dig(env, "CHARTA_PUBLIC_URL", "value", default="")
    check(public.startswith("https://"), f"{dep_where}: CHARTA_PUBLIC_URL is not https://")
for c in pod_spec.get("initContainers", []):
    cmd = c.get("command", [])
    check(cmd[:1] == ["install"] and "0600" in cmd and cmd[-1] == dig(env_of(servers[0]) if servers else {}, "CHARTA_RELEASE_KEY", "value"),
          f"{dep_where}: init container {c.get('name')} does not install the key with mode 0600 where CHARTA_RELEASE_KEY points")
check("release.key" in secret_keys, "k8s/secret.yaml: no release.key")

svc_where, svc = obj("Service", "charta")
check(dig(svc, "spec", "selector", default={}).items() <= pod_labels.items(),
      f"{svc_where}: selector does not match the Deployment's pods")
svc_ports = {p.get("name"): p for p in dig(svc, "spec", "ports", default=[])}
check(dig(svc_ports, "http", "targetPort") == "http", f"{svc_where}: port http does not target the pods' http port")

ing_where, ing = obj("Ingress", "charta")
for rule in dig(ing, "spec", "rules", default=[]):
    for p in dig(rule, "http", "paths", default=[]):
        backend = dig(p, "backend", "service", default={})
        check(backend.get("name") == "charta" and dig(backend, "port", "name") in svc_ports,
              f"{ing_where}: backend {backend} is not the Service charta's port")
        host = rule.get("host")
        check(servers and dig(env_of(servers[0]), "CHARTA_PUBLIC_URL", "value") == f"https://{host}",
              f"{ing_where}: host {host} is not CHARTA_PUBLIC_URL")
check(dig(ing, "metadata", "annotations", "nginx.ingress.kubernetes.io/proxy-next-upstream") == "error timeout http_502",
      f"{ing_where}: proxy-next-upstream is not 'error timeout http_502'")

if "k8s/namespace.yaml" in docs:
    ns = dig(docs["k8s/namespace.yaml"], 0, "metadata", "name")
    check(kust.get("namespace") == ns, f"k8s/kustomization.yaml: namespace {kust.get('namespace')!r} is not {ns!r}")

for p in problems:
    print(p)
print(f"{len(docs)} YAML files parsed, {checked} checks, {len(problems)} problems")
sys.exit(1 if problems else 0)
