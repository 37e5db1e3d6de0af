# The hub's image: API, worker and migrations share it; Node runs the TypeScript directly.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN mkdir -p dist && node runtime/build-workflow-bundle.ts dist/workflow-bundle.js
ENV WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js HOST=0.0.0.0
USER node
CMD ["node", "runtime/api-main.ts"]
