export type Kpi = { id: string; label: string; value: string };

export function KpiCards({ items }: { items: Kpi[] }) {
  return (
    <section className="kpis">
      {items.map((kpi) => (
        <div key={kpi.id} className="card kpi" data-kpi={kpi.id}>
          <div className="value">{kpi.value}</div>
          <div className="label">{kpi.label}</div>
        </div>
      ))}
    </section>
  );
}
