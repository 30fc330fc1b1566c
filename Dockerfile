# Robots game server. Build: docker build -t robots .   Run: docker run -p 2567:2567 robots
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY schema ./schema
COPY migrations ./migrations
COPY content ./content
COPY public ./public
EXPOSE 2567
USER node
CMD ["node", "src/index.ts"]
