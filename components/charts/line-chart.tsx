"use client";

import { Line } from "react-chartjs-2";
import type { ChartData } from "@/lib/charts/series";
import "./register";

export function LineChart({ data, label, stacked = false }: { data: ChartData; label: string; stacked?: boolean }) {
  return (
    <div className="chart-box" role="img" aria-label={label} data-points={data.datasets.reduce((sum, set) => sum + set.data.reduce((a, b) => a + b, 0), 0)}>
      <Line
        data={{
          labels: data.labels,
          datasets: data.datasets.map((set) => ({ ...set, borderColor: set.color, backgroundColor: `${set.color}33`, fill: stacked, tension: 0.25, pointRadius: 2 })),
        }}
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true, stacked, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 12 } } },
        }}
      />
    </div>
  );
}
