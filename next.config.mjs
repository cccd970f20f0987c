import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

/** @type {import('next').NextConfig} */
const nextConfig = {
  output: "standalone",
  // Compression would buffer text/event-stream; a reverse proxy can compress if wanted.
  compress: false,
  poweredByHeader: false,
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "undici", "prom-client"],
};

export default withNextIntl(nextConfig);
