/** `GET /v1/operations/{operationId}`: an operation and its steps, or 404. */
import { operationPathSchema } from '#shared/domain/tenant-request.ts';
import { apiHandler } from '#shared/lib/api-handler.ts';
import { ok } from '#shared/lib/http.ts';
import { FleetRepository } from '#shared/store/repository.ts';

export const handler = apiHandler({ params: operationPathSchema }, async ({ params }) => {
  const operation = await FleetRepository.fromEnv().requireOperation(params.operationId);
  return ok(operation);
});
