// Orders, by role: a distributor's desk, a business manager's reviews and credit lines, the order
// center's queues (administrators).
import type { Role } from "../../ipc/types";
import { DealerDesk } from "./DealerDesk";
import { ManagerDesk } from "./ManagerDesk";

export function Orders({ role }: { role: Role }) {
  if (role === "distributor") return <DealerDesk />;
  return <ManagerDesk role={role} />;
}
