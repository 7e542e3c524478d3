import { defineConfig } from "vitest/config";

export default defineConfig({
  // The app is served by Tauri from its own protocol; no dev server is involved.
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    // AG Grid is one large chunk by design; it is loaded from disk, not the network.
    chunkSizeWarningLimit: 2500,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["test/setup.ts"],
  },
});
