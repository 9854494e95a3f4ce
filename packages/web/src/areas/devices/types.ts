/** The API's shapes this area shows, named once from the generated client. */
import type { paths } from '../../lib/api.js';

type Json<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type TargetPage = Json<paths['/rest/v1/targets']['get']>;
export type Target = TargetPage['content'][number];
export type ActionPage = Json<paths['/rest/v1/targets/{controllerId}/actions']['get']>;
export type Action = ActionPage['content'][number];
export type ActionStatusPage = Json<paths['/rest/v1/targets/{controllerId}/actions/{actionId}/status']['get']>;
export type DistributionSet = Json<paths['/rest/v1/targets/{controllerId}/installedDS']['get']>;
export type TargetFilter = Json<paths['/rest/v1/targetfilters']['get']>['content'][number];
export type TargetSummary = Json<paths['/rest/v1/targetsummary']['get']>;
export type Rollout = Json<paths['/rest/v1/rollouts']['get']>['content'][number];
export type Release = Json<paths['/rest/v1/distributionsets/{id}/release']['get']>;
