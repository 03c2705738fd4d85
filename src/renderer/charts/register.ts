/** Registers only the Chart.js pieces Portwatch draws with (keeps the bundle small). */
import { BarController, BarElement, CategoryScale, Chart, Decimation, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';

let registered = false;

/** Idempotent registration; returns Chart for the caller's convenience. */
export function registerCharts(): typeof Chart {
  if (!registered) {
    Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, CategoryScale, Decimation, Legend, Tooltip);
    registered = true;
  }
  return Chart;
}
