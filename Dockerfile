# One image for every role: `docker run flowline <role>` (ingest, saver, admin, simulate, up).
# Node 24 runs the TypeScript sources directly, so there is no build step.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
USER node
# The V8 flags of src/runtime/node-flags.ts.
ENTRYPOINT ["node", "--max-semi-space-size=16", "src/main.ts"]
CMD ["--help"]
