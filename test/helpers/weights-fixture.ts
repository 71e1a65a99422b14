// The config the weight-change tests start from: a 90/10 upstream block, as ops/nginx/canary.conf writes it.

export const roles = {stable: 'engine-stable:8080', canary: 'engine-canary:8080'};
export const CONFIG = `# canary split, edited by canary-console
upstream involution_engine {
    server engine-stable:8080 weight=90;  # stable
    server engine-canary:8080 weight=10;
    keepalive 64;
}

server {
    listen 80;
    location / {
        proxy_pass http://involution_engine;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        add_header X-Upstream $upstream_addr always;
    }
}
`;

export const half = {stable: 50, canary: 50};
