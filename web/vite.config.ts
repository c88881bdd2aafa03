import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The admin role serves the build under /console/ (src/roles/admin/console-static.ts).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  server: {
    // `npx vite web` in development: the API stays on the admin role.
    proxy: Object.fromEntries(
      ['/flow', '/sensors', '/sensor-overview', '/measurements', '/windows', '/alerts', '/auth', '/docs'].map(
        (path) => [path, 'http://127.0.0.1:8081'],
      ),
    ),
  },
})
