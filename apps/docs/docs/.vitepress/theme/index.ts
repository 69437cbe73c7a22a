// The default VitePress theme plus the site's own components: two static SVG diagrams and the interactive
// grace-period timeline (which runs a real @rcu/core manual domain in the browser).
import type { Theme } from "vitepress";
import DefaultTheme from "vitepress/theme";
import BenchmarkChart from "./BenchmarkChart.vue";
import GpTimeline from "./GpTimeline.vue";
import PendingEngineDiagram from "./PendingEngineDiagram.vue";
import ReadersTimelineDiagram from "./ReadersTimelineDiagram.vue";
import "./custom.css";

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("BenchmarkChart", BenchmarkChart);
    app.component("GpTimeline", GpTimeline);
    app.component("PendingEngineDiagram", PendingEngineDiagram);
    app.component("ReadersTimelineDiagram", ReadersTimelineDiagram);
  },
};

export default theme;
