# The production image: gunicorn serving Django, the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/scss ./static/scss
RUN npm run --silent build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WGLL_MODE=production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation2 curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock ./
# Installs the project's dependencies (it has no package of its own), pinned by the lock file.
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
COPY --from=frontend /app/node_modules ./node_modules
COPY --from=frontend /app/build ./build
RUN SECRET_KEY=build-only-never-used-to-sign-anything-0123456789abcdef ALLOWED_HOSTS=build SITE_URL=https://build.invalid python manage.py collectstatic --noinput
RUN useradd --create-home wgll && mkdir -p /app/var && chown -R wgll /app/var
USER wgll
EXPOSE 8000
CMD ["gunicorn", "wgll.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
