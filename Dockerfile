# syntax=docker/dockerfile:1
# portcullis: one image with the portcullis binary and Debian's nginx.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/portcullis ./cmd/portcullis

FROM debian:bookworm-slim AS runtime
COPY --from=build /out/portcullis /usr/local/bin/portcullis
# Both bind ports below 1024 as a non-root user: nginx 80 and 443, and the
# passthrough proxy 443 when it is on. NET_BIND_SERVICE is the one capability
# the Deployment keeps.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light libnginx-mod-stream ca-certificates libcap2-bin \
 && setcap cap_net_bind_service=+ep /usr/sbin/nginx \
 && setcap cap_net_bind_service=+ep /usr/local/bin/portcullis \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && groupadd --system --gid 65532 portcullis \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin portcullis
ENV PORTCULLIS_NGINX=/usr/sbin/nginx \
    PORTCULLIS_NGINX_MODULES=/usr/lib/nginx/modules
# The root file system can be read-only: every file portcullis and nginx write
# lives under /run/portcullis (--nginx-dir, --webhook-cert-dir) and /tmp, which
# the Deployment mounts as emptyDir.
VOLUME ["/run/portcullis", "/tmp"]
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/portcullis"]
CMD ["manager"]
