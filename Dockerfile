# Multi-stage build: the web UI, then the Go binary with the UI embedded, then a small runtime.
FROM node:20-bookworm AS ui
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=ui /src/frontend/dist ./frontend/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/chartroom ./cmd/chartroom

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/chartroom /chartroom
ENV CHARTROOM_ADDR=0.0.0.0:8080 CHARTROOM_DATA=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/chartroom"]
CMD ["serve"]
