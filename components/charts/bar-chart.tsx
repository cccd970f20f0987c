"use client";

import { Bar } from "react-chartjs-2";
import type { ChartData } from "@/lib/charts/series";
import "./register";

export function BarChart({ data, label }: { data: ChartData; label: string }) {
  return (
    <div className="chart-box" role="img" aria-label={label} data-points={data.datasets.reduce((sum, set) => sum + set.data.reduce((a, b) => a + b, 0), 0)}>
      <Bar
        data={{ labels: data.labels, datasets: data.datasets.map((set) => ({ ...set, backgroundColor: set.color, borderRadius: 4 })) }}
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          indexAxis: data.labels.length > 6 ? "y" : "x",
          scales: { x: { beginAtZero: true, stacked: true }, y: { beginAtZero: true, stacked: true } },
        }}
      />
    </div>
  );
}
