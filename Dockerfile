# Robots game server.
#   Build: docker build -t robots .
#   Run:   docker run -p 2567:2567 -v robots-data:/app/data robots
# Several processes with nginx, Redis and PostgreSQL: deploy/docker-compose.yml.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
# The Colyseus monitor stays off in the image; turning it on also needs MONITOR_USER and
# MONITOR_PASSWORD (the server refuses to start without them).
ENV MONITOR=false
COPY package.json package-lock.json ./
# The `node` npm package exists so that `npm start` on a machine with an older Node still runs
# Node 24; it downloads a second Node binary (~190 MB). This image already is Node 24, so the
# package and its .bin link go in the same layer that installed them and never reach the image.
RUN npm ci --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/node node_modules/.bin/node \
    && npm cache clean --force
COPY src ./src
COPY schema ./schema
COPY migrations ./migrations
COPY content ./content
COPY public ./public
COPY web ./web
# The embedded database and the outbox live here; mount a volume to keep them.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
EXPOSE 2567
USER node
# Liveness: the process answers HTTP. slim has no curl, so Node's own fetch asks /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 2567) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The image's own Node 24 runs the TypeScript sources directly (no npm, no second binary).
CMD ["node", "src/index.ts"]
