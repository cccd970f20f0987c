# syntax=docker/dockerfile:1
# KeyPool in one container. Builds offline once the base image is present: npm packages come
# from the registry, and nothing downloads a prebuilt binary (better-sqlite3 compiles from source
# against the image's own Node headers; Prisma runs with its JavaScript engines).

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV NEXT_TELEMETRY_DISABLED=1 \
    npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# Install scripts stay off (Prisma's would fetch engines); only the SQLite addon is compiled.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATABASE_URL=file:/app/data/keypool.db
RUN groupadd --system --gid 1001 keypool \
 && useradd --system --uid 1001 --gid keypool --home-dir /app --no-create-home keypool \
 && mkdir -p /app/data \
 && chown keypool:keypool /app/data
COPY --from=build --chown=keypool:keypool /src/.next/standalone ./
COPY --from=build --chown=keypool:keypool /src/.next/static ./.next/static
COPY --from=build --chown=keypool:keypool /src/public ./public
COPY --from=build --chown=keypool:keypool /src/prisma/migrations ./prisma/migrations
COPY --from=build --chown=keypool:keypool /src/scripts/start.mjs /src/scripts/migrate.mjs ./scripts/
USER keypool
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# As `npm start`: a heap ceiling makes V8 collect old garbage while it is small (see README, Memory).
CMD ["node", "--max-old-space-size=1024", "scripts/start.mjs"]
