import { useEffect, useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { ApiError, Experiment, Placement } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, asApiError } from "../ErrorBanner";

const ALGORITHMS: Record<Placement, [string, string]> = {
  home: ["popular", "item_to_item+popular", "als+popular", "als+item_to_item+popular"],
  product: ["content", "item_to_item+content"],
};

/** A/B experiments for operators: one per placement, two recommenders against each other with a
 *  holdout; stop one and make its winner the placement's default. The report above shows each
 *  arm's rates with their intervals. */
export function Experiments({ onChanged }: { onChanged: () => void }) {
  const { t, time } = useI18n();
  const [list, setList] = useState<Experiment[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [name, setName] = useState("");
  const [placement, setPlacement] = useState<Placement>("home");
  const [share, setShare] = useState("50");
  const [holdout, setHoldout] = useState("10");
  const load = () => commands.experiments().then((l) => setList(l.experiments)).catch((e) => setError(asApiError(e)));
  useEffect(() => {
    load();
  }, []);
  const start = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const [a, b] = ALGORITHMS[placement];
    const first = Math.round(Number(share));
    commands
      .startExperiment({
        name,
        placement,
        holdout_percent: Math.round(Number(holdout)),
        arms: [
          { name: "A", algorithm: a, share: first },
          { name: "B", algorithm: b, share: 100 - first },
        ],
      })
      .then(() => {
        setName("");
        load();
        onChanged();
      })
      .catch((e) => setError(asApiError(e)));
  };
  const stop = (id: string, winner: string | null) =>
    commands
      .stopExperiment(id, winner)
      .then(() => {
        load();
        onChanged();
      })
      .catch((e) => setError(asApiError(e)));
  const how = (a: string) => a.split("+").map((p) => t(`report.how.${p}` as MessageKey)).join(" + ");
  return (
    <section className="card stack wide" data-testid="experiments">
      <h2>{t("experiments.title")}</h2>
      <ErrorBanner error={error} />
      <form className="row filters" onSubmit={start}>
        <label className="grow">
          {t("experiments.name")}
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="experiment-name" />
        </label>
        <label>
          {t("report.placement")}
          <select value={placement} onChange={(e) => setPlacement(e.target.value as Placement)} data-testid="experiment-placement">
            <option value="home">{t("report.where.home")}</option>
            <option value="product">{t("report.where.product")}</option>
          </select>
        </label>
        <label>
          {t("experiments.shareA", { a: how(ALGORITHMS[placement][0]) })}
          <input inputMode="numeric" className="qty" value={share} onChange={(e) => setShare(e.target.value)} />
        </label>
        <label>
          {t("experiments.holdout")}
          <input inputMode="numeric" className="qty" value={holdout} onChange={(e) => setHoldout(e.target.value)} />
        </label>
        <button className="primary" disabled={!name.trim()} data-testid="start-experiment">
          {t("experiments.start")}
        </button>
      </form>
      <div className="table-wrap">
        <table className="dense" data-testid="experiment-list">
          <thead>
            <tr>
              <th>{t("experiments.name")}</th>
              <th>{t("report.placement")}</th>
              <th>{t("experiments.arms")}</th>
              <th>{t("experiments.status")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id} data-status={e.status}>
                <td>{e.name}</td>
                <td>{t(`report.where.${e.placement}` as MessageKey)}</td>
                <td>
                  {e.arms.map((a) => `${a.name}: ${how(a.algorithm)} ${a.share}%`).join(" · ")} ·{" "}
                  {t("experiments.holdoutShare", { percent: e.holdout_percent })}
                </td>
                <td>
                  {e.status === "running"
                    ? t("experiments.running", { since: time(e.started_at) })
                    : t("experiments.stopped", { winner: e.winner ?? "—" })}
                </td>
                <td className="nowrap">
                  {e.status === "running" &&
                    e.arms.map((a) => (
                      <button key={a.name} className="link" onClick={() => stop(e.id, a.name)} data-testid={`crown-${a.name}`}>
                        {t("experiments.crown", { arm: a.name })}
                      </button>
                    ))}
                  {e.status === "running" && (
                    <button className="link bad" onClick={() => stop(e.id, null)}>
                      {t("experiments.stop")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
