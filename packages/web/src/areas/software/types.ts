/** The API's shapes this area shows, taken from the generated client so they follow the server. */
import type { paths } from '../../lib/api.js';

type Ok<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;
type Created<T> = T extends { responses: { 201: { content: { 'application/json': infer B } } } } ? B : never;

export type SoftwareModule = Ok<paths['/rest/v1/softwaremodules/{id}']['get']>;
export type Artifact = Created<paths['/rest/v1/softwaremodules/{id}/artifacts']['post']>;
export type ModuleType = Ok<paths['/rest/v1/softwaremoduletypes/{id}']['get']>;
export type SetType = Ok<paths['/rest/v1/distributionsettypes/{id}']['get']>;
export type Tag = Ok<paths['/rest/v1/targettags/{id}']['get']>;
export type DistributionSet = Ok<paths['/rest/v1/distributionsets/{id}']['get']>;
export type Release = Ok<paths['/rest/v1/distributionsets/{id}/release']['get']>;
export type ReleaseRequest = NonNullable<paths['/rest/v1/distributionsets/{id}/release']['post']['requestBody']>['content']['application/json'];
export type OnlineKey = Ok<paths['/rest/v1/tuf/keys']['get']>[number];
