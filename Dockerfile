# Robots game server. Build: docker build -t robots .   Run: docker run -p 2567:2567 robots
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
# The Colyseus monitor stays off in the image; turning it on also needs MONITOR_USER and
# MONITOR_PASSWORD (the server refuses to start without them).
ENV MONITOR=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
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
CMD ["node", "src/index.ts"]
