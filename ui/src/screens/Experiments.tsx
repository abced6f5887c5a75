import { useEffect, useState, type FormEvent } from "react";
import { commands } from "../ipc/commands";
import type { ExperimentList, Placement } from "../ipc/types";
import { useI18n, type MessageKey } from "../i18n";
import { ErrorBanner, useCommandError } from "../ErrorBanner";
import { recommenderName } from "./format";

/** The recommenders an arm may serve at each placement (the server checks the same list); the
 *  first two are the arms a new experiment starts with. */
/** Counter offers are not split (one promoter's account serves many customers), nor inbox offers (they follow their triggers). */
type SplitPlacement = Exclude<Placement, "checkout" | "inbox">;
const ALGORITHMS: Record<SplitPlacement, string[]> = {
  home: ["popular", "als+item_to_item+local+popular", "local+popular", "item_to_item+popular", "als+popular", "als+item_to_item+popular"],
  product: ["content", "item_to_item+content"],
};

/** A/B experiments for operators: one per placement, two recommenders against each other with a
 *  holdout; stop one and make its winner the placement's default. The report above shows each
 *  arm's rates with their intervals. */
export function Experiments({ onChanged }: { onChanged: () => void }) {
  const { t, time } = useI18n();
  const [list, setList] = useState<ExperimentList>({ experiments: [], outcomes: [] });
  const { error, setError, showError } = useCommandError();
  const [name, setName] = useState("");
  const [placement, setPlacement] = useState<SplitPlacement>("home");
  const [share, setShare] = useState("50");
  const [arms, setArms] = useState<[string, string]>([ALGORITHMS.home[0], ALGORITHMS.home[1]]);
  const [holdout, setHoldout] = useState("10");
  const load = () => commands.experiments().then(setList).catch((e) => showError(e));
  const choosePlacement = (p: SplitPlacement) => {
    setPlacement(p);
    setArms([ALGORITHMS[p][0], ALGORITHMS[p][1]]);
  };
  useEffect(() => {
    load();
  }, []);
  const start = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const [a, b] = arms;
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
      .catch((e) => showError(e));
  };
  const stop = (id: string, winner: string | null) =>
    commands
      .stopExperiment(id, winner)
      .then(() => {
        load();
        onChanged();
      })
      .catch((e) => showError(e));
  const how = (a: string) => recommenderName(t, a);
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  const armSelect = (i: 0 | 1) => (
    <select
      value={arms[i]}
      onChange={(e) => setArms(i === 0 ? [e.target.value, arms[1]] : [arms[0], e.target.value])}
      data-testid={`experiment-arm-${i === 0 ? "a" : "b"}`}
    >
      {ALGORITHMS[placement].map((a) => (
        <option key={a} value={a}>
          {how(a)}
        </option>
      ))}
    </select>
  );
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
          <select value={placement} onChange={(e) => choosePlacement(e.target.value as SplitPlacement)} data-testid="experiment-placement">
            <option value="home">{t("report.where.home")}</option>
            <option value="product">{t("report.where.product")}</option>
          </select>
        </label>
        <label>
          {t("experiments.armA")}
          {armSelect(0)}
        </label>
        <label>
          {t("experiments.armB")}
          {armSelect(1)}
        </label>
        <label>
          {t("experiments.shareA", { a: how(arms[0]) })}
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
            {list.experiments.map((e) => [
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
              </tr>,
              <tr key={`${e.id}-outcome`} className="sub">
                <td colSpan={5} data-testid="experiment-outcome">
                  {(list.outcomes.find((o) => o.experiment_id === e.id)?.arms ?? []).map((a) => (
                    <span key={a.arm} className="outcome">
                      {t("experiments.outcome", {
                        arm: a.arm === "holdout" ? t("experiments.holdoutArm") : a.arm,
                        buyers: a.buyers,
                        people: a.people,
                        rate: percent(a.buyer_rate),
                        low: percent(a.buyer_rate_low),
                        high: percent(a.buyer_rate_high),
                      })}
                    </span>
                  ))}
                  {list.outcomes.find((o) => o.experiment_id === e.id)?.arms.length === 0 && t("experiments.noPeople")}
                </td>
              </tr>,
            ])}
          </tbody>
        </table>
      </div>
    </section>
  );
}
