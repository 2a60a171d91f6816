# Open Flattr server with its widget built. Not built in this repository's CI (no Docker engine there);
# checks/test/deploy-files.test.ts keeps the Node version in step with what CI tests (README.md).
# docs/deploy.md: docker compose up -d --build
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build -w @flattr/sdk \
  && npm run build -w @flattr/widget

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
WORKDIR /app
# The server runs its TypeScript sources through tsx, so the whole installed tree comes along.
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "packages/server/bin/flattr-server.mjs", "serve"]
