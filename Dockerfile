# syntax=docker/dockerfile:1
# The curl-proxy-detector worker image. Two stages: `build` compiles TypeScript with the dev
# dependencies; `runtime` holds only production dependencies, the compiled dist/ and the data
# files the CLI reads at run time. Build from the repository root: `docker build -t cpd .`

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Scripts are skipped because `prepare` would run tsc before the sources are copied in; the
# build runs explicitly below once they are.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# --ignore-scripts: `prepare` runs tsc, which is a dev dependency and is not installed here.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
COPY mappings ./mappings
COPY kibana ./kibana
# Files stay owned by root and read-only to the process: the worker keeps its state in Redis
# and Elasticsearch, never on the container's disk.
USER node
# Probes the worker's /healthz; HEALTH_PORT must match the port the worker's health server
# listens on (8080 unless told otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || '8080') + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/curl-proxy-detector.js"]
CMD ["run"]
