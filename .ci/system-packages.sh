#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks need, quietly and
# idempotently: chromium (browser tests), postfix (only for smtp-sink/smtp-source;
# its daemon is never started), faketime (shifted clocks in scheduler tests),
# dovecot-imapd (a throw-away IMAP server the bounce poller's test starts on a free port),
# redis-server (a throw-away Redis the shared SMTP quota test starts on a free port),
# pango + harfbuzz-subset + DejaVu fonts (WeasyPrint's PDFs: certificates, attendance sheets;
# check with `python -c "import weasyprint"`), nginx (`nginx -t` on deploy/ and `make prod-check`,
# always with a private prefix and config, never the system daemon), prometheus (only for
# `promtool check rules` on deploy/; its daemon is never started), poppler-utils (`pdftoppm`: the
# README's certificate picture, tools/screenshots_after.py).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v smtp-sink >/dev/null 2>&1 || need+=(postfix)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
# Never let package scripts start a daemon (postfix on port 25 in particular).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1
fi
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
[ "$created_policy" = 1 ] && rm -f "$policy"
# Belt and braces: stop a postfix master if one started anyway.
if command -v postfix >/dev/null 2>&1; then postfix stop >/dev/null 2>&1 || true; fi
if command -v doveadm >/dev/null 2>&1; then doveadm stop >/dev/null 2>&1 || true; fi
if [ -f /run/nginx.pid ]; then nginx -s quit >/dev/null 2>&1 || true; fi
if [ -f /run/prometheus/prometheus.pid ]; then kill "$(cat /run/prometheus/prometheus.pid)" 2>/dev/null || true; fi
exit 0
