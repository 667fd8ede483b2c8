import { requireSecondPerson } from '../core/access.js';
import type { Workspace } from './workspace.js';

/**
 * The workspace with four eyes on approvals: approveVersion refuses (ForbiddenError) an approver
 * who registered the version. One wrapper in front of every adapter, applied by platform/ to every
 * workspace it opens when the project sets fourEyes, so the CLI, the dashboard, the admin routes and
 * the controller all meet the same rule. Rejecting stays open to anyone: stopping a version needs no
 * second person.
 */
export function fourEyesWorkspace(ws: Workspace): Workspace {
  return {
    ...ws,
    async approveVersion(input) {
      requireSecondPerson(await ws.getModelVersion(input.name, input.version), input.actor);
      return ws.approveVersion(input);
    },
  };
}
