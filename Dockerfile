# syntax=docker/dockerfile:1
#
# botfleet image: the supervisor (`node dist/main.js`) and the operator CLI
# (`node dist/cli/main.js …`) on Node 22, without dev dependencies, as uid 10001.
#
#   docker build -t botfleet:dev .
#   docker run --rm -e DATABASE_URL=postgres://… -p 8080:8080 botfleet:dev
#
# Kubernetes manifests: deploy/ (kubectl apply -k deploy/), see deploy/README.md.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------
# build: full install (dev dependencies included: typescript) and `tsc`.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first, so the layer is reused while only sources change.
# Install scripts stay on here: the `node` dev dependency (a Node 22 binary for
# developer machines on Node 20) fetches its platform package from the npm
# registry in its preinstall, and `npm run build` puts it first on PATH. It is
# harmless here (the image already is Node 22) and never reaches the runtime stage.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

COPY . .

# tsc emits only .js (and imported .json). Any other file that lives beside the
# sources (locale .ftl files, .sql, .json …) is copied into dist/ too, so code
# that loads it relative to import.meta.url finds it there. Then /out gets what
# the runtime needs: dist/, package.json (required: "type": "module" makes
# dist/*.js ES modules), and migrations/, locales/, bin/ when they exist.
RUN npm run build \
 && (cd src && find . -type f ! -name '*.ts' ! -name '*.tsx' -exec cp --parents {} ../dist/ \;) \
 && mkdir -p /out \
 && cp -R dist package.json /out/ \
 && for d in migrations locales bin; do if [ -e "$d" ]; then cp -R "$d" /out/; fi; done

# ---------------------------------------------------------------------------
# deps: production dependencies only.
# `--ignore-scripts`: no production dependency needs an install script at run
# time. `embedded-postgres` (and its platform package, ~60 MB) is a dependency
# that is unused in Kubernetes because DATABASE_URL is set; it is loaded lazily
# (dynamic import) only when DATABASE_URL is unset, so it is kept. Add
# `--omit=optional` to drop its platform binaries if image size matters.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production

# A dedicated unprivileged user; the Kubernetes manifests pin the same uid/gid
# (runAsUser/runAsGroup 10001) and mount the root filesystem read-only.
RUN groupadd --system --gid 10001 botfleet \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin botfleet

WORKDIR /app
# Files stay owned by root: the process can read but not modify its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out/ ./

USER 10001:10001

# 8080: HTTP (/metrics /healthz /readyz /api/v1 /payments/zarinpal/callback)
# 34431: effect/cluster runner port (RUNNER_PORT)
EXPOSE 8080 34431

# Docker/Compose only; Kubernetes ignores HEALTHCHECK and uses the probes in
# deploy/deployment.yaml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Node runs as PID 1 and handles SIGTERM itself (NodeRuntime.runMain interrupts
# the fibres and runs finalizers: bots are handed over, in-flight updates drained).
CMD ["node", "dist/main.js"]
