# One image for every role: `docker run flowline <role>` (ingest, saver, admin, simulate, up, ...).
# Node 24 runs the TypeScript sources directly, so there is no build step. What the sources need at
# run time is `dependencies` of package.json, package.json itself ("type": "module") and src/;
# test/deploy/image.test.ts walks the imports from src/main.ts and checks exactly that.

# The web console is the one thing built: Vite (a devDependency of the web workspace) bundles web/src
# into web/dist in a stage of its own, and only web/dist reaches the image the admin role serves.
FROM node:24-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json ./web/
RUN npm ci --ignore-scripts --no-audit --no-fund
# patches/ holds Flowline's changes to dependencies (patches/README.md); they are applied here,
# where patch-package (a devDependency) is installed, and the patched package is copied below.
COPY patches ./patches
RUN npx patch-package --error-on-fail
COPY web ./web
RUN node web/scripts/build-console.ts --force

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=console /app/node_modules/@platformatic/kafka ./node_modules/@platformatic/kafka
COPY bin ./bin
COPY src ./src
COPY --from=console /app/web/dist ./web/dist
# In a container the roles listen on every interface; embedded mode keeps its data in /data, the only
# directory the process writes to (Kubernetes runs the image with a read-only root file system).
ENV FLOWLINE_HOST=0.0.0.0 \
    FLOWLINE_DATA_DIR=/data
RUN mkdir /data && chown 1000:1000 /data
# The image's `node` user, by number so that Kubernetes can check `runAsNonRoot`.
USER 1000:1000
# ingest, admin, saver, aggregate
EXPOSE 8080 8081 8082 8083
# The V8 flags of src/runtime/node-flags.ts.
ENTRYPOINT ["node", "--max-semi-space-size=16", "src/main.ts"]
CMD ["--help"]
