# syntax=docker/dockerfile:1
# One image for the adapter (default command) and the operator
# (`node build/operator/src/main.js`), on Node 24 LTS as in development.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` devDependency is only for development machines whose own Node is
# older; the image already has Node 24, so skip its install script.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY adapter ./adapter
COPY operator ./operator
COPY crds ./crds
COPY scripts/build-info.mjs ./scripts/
# No .git in the build context: the commit comes in as a build argument (`make image` passes it).
ARG MQTT_ADAPTER_COMMIT=unknown
RUN npx tsc -p tsconfig.build.json && MQTT_ADAPTER_COMMIT=$MQTT_ADAPTER_COMMIT node scripts/build-info.mjs

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/build/adapter ./build/adapter
COPY --from=build /app/build/operator ./build/operator
COPY --from=build /app/build/build-info.json ./build/
COPY --from=build /app/crds ./crds
COPY package.json ./
# OpenShift runs images under an arbitrary uid whose group is 0. The app files
# stay root:0 and world-readable, and the process only reads them; it writes
# nowhere but /tmp (root:0 with mode 1777 in the image, an emptyDir in the pods),
# which is also HOME, for any library that looks for one.
ENV HOME=/tmp
# The unprivileged user of the official image, in group 0 as under OpenShift; the
# pod runs with a read-only root filesystem and whatever uid it is given.
USER 1000:0
EXPOSE 1883 8883 8080 9090
ENTRYPOINT ["node"]
CMD ["build/adapter/src/main.js"]
