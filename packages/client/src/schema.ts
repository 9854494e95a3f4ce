// Generated from docs/openapi.json by `npm run openapi` (openapi-typescript). Do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getHealthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getReadyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/configData": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["putTenantControllerV1ControllerIdConfigData"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/deploymentBase/{actionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdDeploymentBaseActionId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/installedBase/{actionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdInstalledBaseActionId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/confirmationBase/{actionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdConfirmationBaseActionId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/deploymentBase/{actionId}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["postTenantControllerV1ControllerIdDeploymentBaseActionIdFeedback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/cancelAction/{actionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdCancelActionActionId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/cancelAction/{actionId}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["postTenantControllerV1ControllerIdCancelActionActionIdFeedback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/installedBase": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["putTenantControllerV1ControllerIdInstalledBase"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/confirmationBase": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdConfirmationBase"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/confirmationBase/{actionId}/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["postTenantControllerV1ControllerIdConfirmationBaseActionIdFeedback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/confirmationBase/activateAutoConfirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["postTenantControllerV1ControllerIdConfirmationBaseActivateAutoConfirm"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/confirmationBase/deactivateAutoConfirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["postTenantControllerV1ControllerIdConfirmationBaseDeactivateAutoConfirm"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/osprey/publicKey": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["putTenantControllerV1ControllerIdOspreyPublicKey"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/softwaremodules/{moduleId}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdSoftwaremodulesModuleIdArtifacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/controller/v1/{controllerId}/softwaremodules/{moduleId}/artifacts/{fileName}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantControllerV1ControllerIdSoftwaremodulesModuleIdArtifactsFileName"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/tuf/metadata/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantTufMetadataName"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{tenant}/tuf/targets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenantTufTargetsName"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/userinfo": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getRestV1Userinfo"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/system/configs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TENANT_CONFIGURATION. */
        get: operations["getRestV1SystemConfigs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/system/configs/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        put: operations["putRestV1SystemConfigsKey"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1Targets"];
        put?: never;
        /** @description Requires CREATE_TARGET. */
        post: operations["postRestV1Targets"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targetsummary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1Targetsummary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsControllerId"];
        /** @description Requires UPDATE_TARGET. */
        put: operations["putRestV1TargetsControllerId"];
        post?: never;
        /** @description Requires DELETE_TARGET. */
        delete: operations["deleteRestV1TargetsControllerId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/ageheader": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET and READ_SOFTWARE_MODULE_ARTIFACT. */
        get: operations["getRestV1TargetsControllerIdAgeheader"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/attributes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsControllerIdAttributes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/assignedDS": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET and READ_DISTRIBUTION_SET. */
        get: operations["getRestV1TargetsControllerIdAssignedDS"];
        put?: never;
        /** @description Requires READ_DISTRIBUTION_SET and UPDATE_TARGET. */
        post: operations["postRestV1TargetsControllerIdAssignedDS"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/installedDS": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET and READ_DISTRIBUTION_SET. */
        get: operations["getRestV1TargetsControllerIdInstalledDS"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/actions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsControllerIdActions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/actions/{actionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsControllerIdActionsActionId"];
        /** @description Requires UPDATE_TARGET. */
        put: operations["putRestV1TargetsControllerIdActionsActionId"];
        post?: never;
        /** @description Requires UPDATE_TARGET. */
        delete: operations["deleteRestV1TargetsControllerIdActionsActionId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{controllerId}/actions/{actionId}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsControllerIdActionsActionIdStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1Softwaremodules"];
        put?: never;
        /** @description Requires CREATE_SOFTWARE_MODULE. */
        post: operations["postRestV1Softwaremodules"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1SoftwaremodulesId"];
        put?: never;
        post?: never;
        /** @description Requires DELETE_SOFTWARE_MODULE. */
        delete: operations["deleteRestV1SoftwaremodulesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{id}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1SoftwaremodulesIdArtifacts"];
        put?: never;
        /** @description Requires CREATE_SOFTWARE_MODULE. */
        post: operations["postRestV1SoftwaremodulesIdArtifacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{id}/artifacts/{artifactId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1SoftwaremodulesIdArtifactsArtifactId"];
        put?: never;
        post?: never;
        /** @description Requires DELETE_SOFTWARE_MODULE. */
        delete: operations["deleteRestV1SoftwaremodulesIdArtifactsArtifactId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{id}/artifacts/{artifactId}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE_ARTIFACT. */
        get: operations["getRestV1SoftwaremodulesIdArtifactsArtifactIdDownload"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1Distributionsets"];
        put?: never;
        /** @description Requires CREATE_DISTRIBUTION_SET. */
        post: operations["postRestV1Distributionsets"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1DistributionsetsId"];
        put?: never;
        post?: never;
        /** @description Requires DELETE_DISTRIBUTION_SET. */
        delete: operations["deleteRestV1DistributionsetsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets/{id}/assignedTargets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires READ_DISTRIBUTION_SET and UPDATE_TARGET. */
        post: operations["postRestV1DistributionsetsIdAssignedTargets"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1DistributionsetsIdRelease"];
        put?: never;
        /** Release (APPROVE_RELEASE); with release.approval.enabled, request the release (UPDATE_DISTRIBUTION_SET) */
        post: operations["postRestV1DistributionsetsIdRelease"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets/{id}/release/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires APPROVE_RELEASE. */
        post: operations["postRestV1DistributionsetsIdReleaseApprove"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tuf/root": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getRestV1TufRoot"];
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        put: operations["putRestV1TufRoot"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tuf/root/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        post: operations["postRestV1TufRootImport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tuf/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TENANT_CONFIGURATION. */
        get: operations["getRestV1TufKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tuf/keys/{role}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        post: operations["postRestV1TufKeysRole"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tuf/targets/pending": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1TufTargetsPending"];
        put?: never;
        post?: never;
        /** @description Requires APPROVE_RELEASE. */
        delete: operations["deleteRestV1TufTargetsPending"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tuf/targets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** @description Requires APPROVE_RELEASE. */
        put: operations["putRestV1TufTargets"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        get: operations["getRestV1Roles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        get: operations["getRestV1Users"];
        put?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        post: operations["postRestV1Users"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/users/{username}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        put: operations["putRestV1UsersUsername"];
        post?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        delete: operations["deleteRestV1UsersUsername"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/users/{username}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        put: operations["putRestV1UsersUsernamePassword"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/apitokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        get: operations["getRestV1Apitokens"];
        put?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        post: operations["postRestV1Apitokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/apitokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** @description Requires UPDATE_TENANT_CONFIGURATION. */
        delete: operations["deleteRestV1ApitokensId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires SYSTEM_ADMIN. */
        post: operations["postRestV1Tenants"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{id}/artifacts/{artifactId}/signature": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE_ARTIFACT. */
        get: operations["getRestV1SoftwaremodulesIdArtifactsArtifactIdSignature"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/system/signingkey": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1SystemSigningkey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_AUDIT. */
        get: operations["getRestV1Audit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/audit/verification": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_AUDIT. */
        get: operations["getRestV1AuditVerification"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/actions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1Actions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/actions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1ActionsId"];
        put?: never;
        post?: never;
        /** @description Requires UPDATE_TARGET. */
        delete: operations["deleteRestV1ActionsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1Targettags"];
        put?: never;
        /** @description Requires CREATE_TARGET. */
        post: operations["postRestV1Targettags"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettags/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargettagsId"];
        /** @description Requires UPDATE_TARGET. */
        put: operations["putRestV1TargettagsId"];
        post?: never;
        /** @description Requires DELETE_TARGET. */
        delete: operations["deleteRestV1TargettagsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsettags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1Distributionsettags"];
        put?: never;
        /** @description Requires CREATE_DISTRIBUTION_SET. */
        post: operations["postRestV1Distributionsettags"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsettags/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1DistributionsettagsId"];
        /** @description Requires UPDATE_DISTRIBUTION_SET. */
        put: operations["putRestV1DistributionsettagsId"];
        post?: never;
        /** @description Requires DELETE_DISTRIBUTION_SET. */
        delete: operations["deleteRestV1DistributionsettagsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettags/{id}/assigned": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargettagsIdAssigned"];
        put?: never;
        /** @description Requires UPDATE_TARGET. */
        post: operations["postRestV1TargettagsIdAssigned"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettags/{id}/assigned/{controllerId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** @description Requires UPDATE_TARGET. */
        delete: operations["deleteRestV1TargettagsIdAssignedControllerId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettypes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET_TYPE. */
        get: operations["getRestV1Targettypes"];
        put?: never;
        /** @description Requires CREATE_TARGET_TYPE. */
        post: operations["postRestV1Targettypes"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettypes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET_TYPE. */
        get: operations["getRestV1TargettypesId"];
        /** @description Requires UPDATE_TARGET_TYPE. */
        put: operations["putRestV1TargettypesId"];
        post?: never;
        /** @description Requires DELETE_TARGET_TYPE. */
        delete: operations["deleteRestV1TargettypesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremoduletypes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE_TYPE. */
        get: operations["getRestV1Softwaremoduletypes"];
        put?: never;
        /** @description Requires CREATE_SOFTWARE_MODULE_TYPE. */
        post: operations["postRestV1Softwaremoduletypes"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremoduletypes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE_TYPE. */
        get: operations["getRestV1SoftwaremoduletypesId"];
        /** @description Requires UPDATE_SOFTWARE_MODULE_TYPE. */
        put: operations["putRestV1SoftwaremoduletypesId"];
        post?: never;
        /** @description Requires DELETE_SOFTWARE_MODULE_TYPE. */
        delete: operations["deleteRestV1SoftwaremoduletypesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsettypes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET_TYPE. */
        get: operations["getRestV1Distributionsettypes"];
        put?: never;
        /** @description Requires CREATE_DISTRIBUTION_SET_TYPE. */
        post: operations["postRestV1Distributionsettypes"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsettypes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET_TYPE. */
        get: operations["getRestV1DistributionsettypesId"];
        /** @description Requires UPDATE_DISTRIBUTION_SET_TYPE. */
        put: operations["putRestV1DistributionsettypesId"];
        post?: never;
        /** @description Requires DELETE_DISTRIBUTION_SET_TYPE. */
        delete: operations["deleteRestV1DistributionsettypesId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targettypes/{id}/compatibledistributionsettypes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET_TYPE. */
        get: operations["getRestV1TargettypesIdCompatibledistributionsettypes"];
        put?: never;
        /** @description Requires UPDATE_TARGET_TYPE and READ_DISTRIBUTION_SET_TYPE. */
        post: operations["postRestV1TargettypesIdCompatibledistributionsettypes"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targetfilters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1Targetfilters"];
        put?: never;
        /** @description Requires CREATE_TARGET. */
        post: operations["postRestV1Targetfilters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targetfilters/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetfiltersId"];
        /** @description Requires UPDATE_TARGET. */
        put: operations["putRestV1TargetfiltersId"];
        post?: never;
        /** @description Requires DELETE_TARGET. */
        delete: operations["deleteRestV1TargetfiltersId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{owner}/metadata": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsOwnerMetadata"];
        put?: never;
        /** @description Requires UPDATE_TARGET. */
        post: operations["postRestV1TargetsOwnerMetadata"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targets/{owner}/metadata/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET. */
        get: operations["getRestV1TargetsOwnerMetadataKey"];
        /** @description Requires UPDATE_TARGET. */
        put: operations["putRestV1TargetsOwnerMetadataKey"];
        post?: never;
        /** @description Requires UPDATE_TARGET. */
        delete: operations["deleteRestV1TargetsOwnerMetadataKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{owner}/metadata": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1SoftwaremodulesOwnerMetadata"];
        put?: never;
        /** @description Requires UPDATE_SOFTWARE_MODULE. */
        post: operations["postRestV1SoftwaremodulesOwnerMetadata"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/softwaremodules/{owner}/metadata/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_SOFTWARE_MODULE. */
        get: operations["getRestV1SoftwaremodulesOwnerMetadataKey"];
        /** @description Requires UPDATE_SOFTWARE_MODULE. */
        put: operations["putRestV1SoftwaremodulesOwnerMetadataKey"];
        post?: never;
        /** @description Requires UPDATE_SOFTWARE_MODULE. */
        delete: operations["deleteRestV1SoftwaremodulesOwnerMetadataKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets/{owner}/metadata": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1DistributionsetsOwnerMetadata"];
        put?: never;
        /** @description Requires UPDATE_DISTRIBUTION_SET. */
        post: operations["postRestV1DistributionsetsOwnerMetadata"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/distributionsets/{owner}/metadata/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_DISTRIBUTION_SET. */
        get: operations["getRestV1DistributionsetsOwnerMetadataKey"];
        /** @description Requires UPDATE_DISTRIBUTION_SET. */
        put: operations["putRestV1DistributionsetsOwnerMetadataKey"];
        post?: never;
        /** @description Requires UPDATE_DISTRIBUTION_SET. */
        delete: operations["deleteRestV1DistributionsetsOwnerMetadataKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_ROLLOUT. */
        get: operations["getRestV1Rollouts"];
        put?: never;
        /** @description Requires CREATE_ROLLOUT and READ_TARGET and READ_DISTRIBUTION_SET. */
        post: operations["postRestV1Rollouts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_ROLLOUT. */
        get: operations["getRestV1RolloutsId"];
        put?: never;
        post?: never;
        /** @description Requires DELETE_ROLLOUT. */
        delete: operations["deleteRestV1RolloutsId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires HANDLE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdStart"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires HANDLE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdPause"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires HANDLE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdResume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires HANDLE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdStop"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/triggerNextGroup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires UPDATE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdTriggerNextGroup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires APPROVE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdApprove"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/deny": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires APPROVE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdDeny"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires CREATE_ROLLOUT and HANDLE_ROLLOUT. */
        post: operations["postRestV1RolloutsIdRetry"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/deploygroups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_ROLLOUT. */
        get: operations["getRestV1RolloutsIdDeploygroups"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/rollouts/{id}/deploygroups/{groupId}/targets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_ROLLOUT and READ_TARGET. */
        get: operations["getRestV1RolloutsIdDeploygroupsGroupIdTargets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targetfilters/{id}/autoAssignDS": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Requires READ_TARGET and READ_DISTRIBUTION_SET. */
        get: operations["getRestV1TargetfiltersIdAutoAssignDS"];
        put?: never;
        /** @description Requires UPDATE_TARGET and READ_DISTRIBUTION_SET. */
        post: operations["postRestV1TargetfiltersIdAutoAssignDS"];
        /** @description Requires UPDATE_TARGET. */
        delete: operations["deleteRestV1TargetfiltersIdAutoAssignDS"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targetfilters/{id}/autoAssignDS/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires UPDATE_TARGET. */
        post: operations["postRestV1TargetfiltersIdAutoAssignDSPause"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/targetfilters/{id}/autoAssignDS/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Requires UPDATE_TARGET. */
        post: operations["postRestV1TargetfiltersIdAutoAssignDSResume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sign in to the console */
        post: operations["postRestV1Sessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/sessions/current": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who am I (the console) */
        get: operations["getRestV1SessionsCurrent"];
        put?: never;
        post?: never;
        /** Sign out */
        delete: operations["deleteRestV1SessionsCurrent"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live change events (server-sent events). Requires one of READ_TARGET, READ_ROLLOUT, READ_DISTRIBUTION_SET, READ_SOFTWARE_MODULE; each event only of kinds the caller may read. */
        get: operations["getRestV1Events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rest/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getRestV1OpenapiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            errorCode: string;
            message: string;
            exceptionClass?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getReadyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ready";
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "not ready";
                        failed: {
                            /** @enum {string} */
                            check: "database" | "blobStore";
                            /** @enum {string} */
                            code: "DATABASE_UNAVAILABLE" | "BLOB_STORE_UNAVAILABLE";
                            message: string;
                        }[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description when to poll next, and the resources to follow */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            polling: {
                                /** @description HH:MM:SS until the next poll */
                                sleep: string;
                            };
                        };
                        _links?: {
                            cancelAction?: {
                                href: string;
                            };
                            confirmationBase?: {
                                href: string;
                            };
                            deploymentBase?: {
                                href: string;
                            };
                            installedBase?: {
                                href: string;
                            };
                            configData?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description no content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putTenantControllerV1ControllerIdConfigData: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    mode?: "merge" | "replace" | "remove";
                    data: {
                        [key: string]: string;
                    };
                };
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdDeploymentBaseActionId: {
        parameters: {
            query?: {
                actionHistory?: string;
                c?: string;
            };
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the deployment: what to download and install, and how */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        deployment: {
                            /** @enum {string} */
                            download: "forced" | "attempt" | "skip";
                            /** @enum {string} */
                            update: "forced" | "attempt" | "skip";
                            /** @enum {string} */
                            maintenanceWindow?: "available" | "unavailable";
                            chunks: {
                                part: string;
                                version: string;
                                name: string;
                                artifacts: {
                                    filename: string;
                                    hashes: {
                                        sha1: string;
                                        md5: string;
                                        sha256: string;
                                    };
                                    size: number;
                                    _links: {
                                        /** @description hawkBit: the https download link (direct downloads from storage over TLS) */
                                        download?: {
                                            href: string;
                                        };
                                        "download-http": {
                                            href: string;
                                        };
                                        "md5sum-http": {
                                            href: string;
                                        };
                                        /** @description Osprey: detached signature */
                                        "signature-http"?: {
                                            href: string;
                                        };
                                    };
                                    /** @description Osprey extension; hawkBit clients ignore it */
                                    osprey?: {
                                        /** @description the TUF target that signs this artifact */
                                        tufTarget?: string;
                                        encryption?: {
                                            /** @enum {string} */
                                            format: "age-v1";
                                            /** @description base64 of this device's age header */
                                            header?: string;
                                        };
                                    };
                                }[];
                                /** @enum {boolean} */
                                encrypted?: true;
                                metadata?: {
                                    key: string;
                                    value: string;
                                }[];
                            }[];
                        };
                        actionHistory?: {
                            /** @enum {string} */
                            status: "FINISHED" | "ERROR" | "WARNING" | "RUNNING" | "CANCELED" | "CANCELING" | "RETRIEVED" | "DOWNLOAD" | "SCHEDULED" | "CANCEL_REJECTED" | "DOWNLOADED" | "WAIT_FOR_CONFIRMATION";
                            messages: string[];
                        };
                        /** @description Osprey extension: the tenant's TUF repository */
                        osprey?: {
                            tuf: {
                                metadata: string;
                                targets: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdInstalledBaseActionId: {
        parameters: {
            query?: {
                actionHistory?: string;
                c?: string;
            };
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the deployment: what to download and install, and how */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        deployment: {
                            /** @enum {string} */
                            download: "forced" | "attempt" | "skip";
                            /** @enum {string} */
                            update: "forced" | "attempt" | "skip";
                            /** @enum {string} */
                            maintenanceWindow?: "available" | "unavailable";
                            chunks: {
                                part: string;
                                version: string;
                                name: string;
                                artifacts: {
                                    filename: string;
                                    hashes: {
                                        sha1: string;
                                        md5: string;
                                        sha256: string;
                                    };
                                    size: number;
                                    _links: {
                                        /** @description hawkBit: the https download link (direct downloads from storage over TLS) */
                                        download?: {
                                            href: string;
                                        };
                                        "download-http": {
                                            href: string;
                                        };
                                        "md5sum-http": {
                                            href: string;
                                        };
                                        /** @description Osprey: detached signature */
                                        "signature-http"?: {
                                            href: string;
                                        };
                                    };
                                    /** @description Osprey extension; hawkBit clients ignore it */
                                    osprey?: {
                                        /** @description the TUF target that signs this artifact */
                                        tufTarget?: string;
                                        encryption?: {
                                            /** @enum {string} */
                                            format: "age-v1";
                                            /** @description base64 of this device's age header */
                                            header?: string;
                                        };
                                    };
                                }[];
                                /** @enum {boolean} */
                                encrypted?: true;
                                metadata?: {
                                    key: string;
                                    value: string;
                                }[];
                            }[];
                        };
                        actionHistory?: {
                            /** @enum {string} */
                            status: "FINISHED" | "ERROR" | "WARNING" | "RUNNING" | "CANCELED" | "CANCELING" | "RETRIEVED" | "DOWNLOAD" | "SCHEDULED" | "CANCEL_REJECTED" | "DOWNLOADED" | "WAIT_FOR_CONFIRMATION";
                            messages: string[];
                        };
                        /** @description Osprey extension: the tenant's TUF repository */
                        osprey?: {
                            tuf: {
                                metadata: string;
                                targets: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdConfirmationBaseActionId: {
        parameters: {
            query?: {
                actionHistory?: string;
                c?: string;
            };
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the deployment waiting for the device to consent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        confirmation: {
                            /** @enum {string} */
                            download: "forced" | "attempt" | "skip";
                            /** @enum {string} */
                            update: "forced" | "attempt" | "skip";
                            /** @enum {string} */
                            maintenanceWindow?: "available" | "unavailable";
                            chunks: {
                                part: string;
                                version: string;
                                name: string;
                                artifacts: {
                                    filename: string;
                                    hashes: {
                                        sha1: string;
                                        md5: string;
                                        sha256: string;
                                    };
                                    size: number;
                                    _links: {
                                        /** @description hawkBit: the https download link (direct downloads from storage over TLS) */
                                        download?: {
                                            href: string;
                                        };
                                        "download-http": {
                                            href: string;
                                        };
                                        "md5sum-http": {
                                            href: string;
                                        };
                                        /** @description Osprey: detached signature */
                                        "signature-http"?: {
                                            href: string;
                                        };
                                    };
                                    /** @description Osprey extension; hawkBit clients ignore it */
                                    osprey?: {
                                        /** @description the TUF target that signs this artifact */
                                        tufTarget?: string;
                                        encryption?: {
                                            /** @enum {string} */
                                            format: "age-v1";
                                            /** @description base64 of this device's age header */
                                            header?: string;
                                        };
                                    };
                                }[];
                                /** @enum {boolean} */
                                encrypted?: true;
                                metadata?: {
                                    key: string;
                                    value: string;
                                }[];
                            }[];
                        };
                        actionHistory?: {
                            /** @enum {string} */
                            status: "FINISHED" | "ERROR" | "WARNING" | "RUNNING" | "CANCELED" | "CANCELING" | "RETRIEVED" | "DOWNLOAD" | "SCHEDULED" | "CANCEL_REJECTED" | "DOWNLOADED" | "WAIT_FOR_CONFIRMATION";
                            messages: string[];
                        };
                        /** @description Osprey extension: the tenant's TUF repository */
                        osprey?: {
                            tuf: {
                                metadata: string;
                                targets: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postTenantControllerV1ControllerIdDeploymentBaseActionIdFeedback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    timestamp?: number;
                    status: {
                        /** @enum {string} */
                        execution: "closed" | "proceeding" | "canceled" | "scheduled" | "rejected" | "resumed" | "downloaded" | "download";
                        result: {
                            /** @enum {string} */
                            finished: "success" | "failure" | "none";
                            progress?: {
                                cnt: number;
                                of: number;
                            };
                        };
                        code?: number;
                        details?: string[];
                    };
                };
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdCancelActionActionId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the action to stop */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        cancelAction: {
                            stopId: string;
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postTenantControllerV1ControllerIdCancelActionActionIdFeedback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    timestamp?: number;
                    status: {
                        /** @enum {string} */
                        execution: "closed" | "proceeding" | "canceled" | "scheduled" | "rejected" | "resumed" | "downloaded" | "download";
                        result: {
                            /** @enum {string} */
                            finished: "success" | "failure" | "none";
                            progress?: {
                                cnt: number;
                                of: number;
                            };
                        };
                        code?: number;
                        details?: string[];
                    };
                };
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putTenantControllerV1ControllerIdInstalledBase: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    version: string;
                };
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description no content */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdConfirmationBase: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description auto-confirm state and the action waiting for consent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        autoConfirm: {
                            active: boolean;
                            initiator?: string;
                            remark?: string;
                            activatedAt?: number;
                        };
                        _links: {
                            activateAutoConfirm?: {
                                href: string;
                            };
                            deactivateAutoConfirm?: {
                                href: string;
                            };
                            confirmationBase?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postTenantControllerV1ControllerIdConfirmationBaseActionIdFeedback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    confirmation: "confirmed" | "denied";
                    code?: number;
                    details?: string[];
                };
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postTenantControllerV1ControllerIdConfirmationBaseActivateAutoConfirm: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    initiator?: string;
                    remark?: string;
                } | null;
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postTenantControllerV1ControllerIdConfirmationBaseDeactivateAutoConfirm: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    initiator?: string;
                    remark?: string;
                } | null;
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putTenantControllerV1ControllerIdOspreyPublicKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    publicKey: string;
                };
            };
        };
        responses: {
            /** @description no content */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description no content */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdSoftwaremodulesModuleIdArtifacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                moduleId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the module's artifacts with their download links */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        filename: string;
                        hashes: {
                            sha1: string;
                            md5: string;
                            sha256: string;
                        };
                        size: number;
                        _links: {
                            /** @description hawkBit: the https download link (direct downloads from storage over TLS) */
                            download?: {
                                href: string;
                            };
                            "download-http": {
                                href: string;
                            };
                            "md5sum-http": {
                                href: string;
                            };
                            /** @description Osprey: detached signature */
                            "signature-http"?: {
                                href: string;
                            };
                        };
                        /** @description Osprey extension; hawkBit clients ignore it */
                        osprey?: {
                            /** @description the TUF target that signs this artifact */
                            tufTarget?: string;
                            encryption?: {
                                /** @enum {string} */
                                format: "age-v1";
                                /** @description base64 of this device's age header */
                                header?: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantControllerV1ControllerIdSoftwaremodulesModuleIdArtifactsFileName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                controllerId: string;
                moduleId: string;
                fileName: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the artifact (206: the requested range, several as multipart/byteranges); for <file>.MD5SUM the line md5sum prints (text/plain); for <file>.sig (Osprey) the detached signature for openssl dgst -sha256 -verify */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description the artifact (206: the requested range, several as multipart/byteranges); for <file>.MD5SUM the line md5sum prints (text/plain); for <file>.sig (Osprey) the detached signature for openssl dgst -sha256 -verify */
            206: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description no content */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantTufMetadataName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description TUF metadata, the bytes as signed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTenantTufTargetsName: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenant: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description an encrypted TUF target (age payload), named <sha256>.<path> (consistent snapshots) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Userinfo: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenant: string;
                        username: string;
                        permissions: string[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SystemConfigs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: {
                            /** @description the effective value; "(secret)" for a secret the caller may not read */
                            value: unknown;
                            global: boolean;
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1SystemConfigsKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    value: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        value: unknown;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Targets: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            controllerId: string;
                            name: string;
                            description?: string;
                            /** @enum {string} */
                            updateStatus: "unknown" | "registered" | "pending" | "in_sync" | "error";
                            /** @description epoch milliseconds */
                            lastControllerRequestAt?: number;
                            address?: string;
                            ipAddress?: string;
                            /** @description only with READ_TARGET_SECURITY_TOKEN */
                            securityToken?: string;
                            requestAttributes: boolean;
                            autoConfirmActive: boolean;
                            /** @description the device's age recipient */
                            publicKey?: string;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                assignedDS: {
                                    href: string;
                                };
                                installedDS: {
                                    href: string;
                                };
                                attributes: {
                                    href: string;
                                };
                                actions: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Targets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    controllerId: string;
                    name?: string;
                    description?: string;
                    address?: string;
                    securityToken?: string;
                    requestAttributes?: boolean;
                    /** @description age recipient (age1…, age1tag1…) or a PEM/SSH public key of the device */
                    publicKey?: string;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        controllerId: string;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        updateStatus: "unknown" | "registered" | "pending" | "in_sync" | "error";
                        /** @description epoch milliseconds */
                        lastControllerRequestAt?: number;
                        address?: string;
                        ipAddress?: string;
                        /** @description only with READ_TARGET_SECURITY_TOKEN */
                        securityToken?: string;
                        requestAttributes: boolean;
                        autoConfirmActive: boolean;
                        /** @description the device's age recipient */
                        publicKey?: string;
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedDS: {
                                href: string;
                            };
                            installedDS: {
                                href: string;
                            };
                            attributes: {
                                href: string;
                            };
                            actions: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Targetsummary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        total: number;
                        byUpdateStatus: {
                            UNKNOWN: number;
                            REGISTERED: number;
                            PENDING: number;
                            IN_SYNC: number;
                            ERROR: number;
                        };
                        /** @description polled once, but not within pollingTime + pollingOverdueTime */
                        overdue: number;
                        /** @description never polled (not counted as overdue) */
                        neverPolled: number;
                        /** @description HH:MM:SS */
                        pollingTime: string;
                        /** @description HH:MM:SS */
                        pollingOverdueTime: string;
                        /** @description epoch milliseconds: a last poll before this is overdue */
                        overdueBefore: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        controllerId: string;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        updateStatus: "unknown" | "registered" | "pending" | "in_sync" | "error";
                        /** @description epoch milliseconds */
                        lastControllerRequestAt?: number;
                        address?: string;
                        ipAddress?: string;
                        /** @description only with READ_TARGET_SECURITY_TOKEN */
                        securityToken?: string;
                        requestAttributes: boolean;
                        autoConfirmActive: boolean;
                        /** @description the device's age recipient */
                        publicKey?: string;
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedDS: {
                                href: string;
                            };
                            installedDS: {
                                href: string;
                            };
                            attributes: {
                                href: string;
                            };
                            actions: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TargetsControllerId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    controllerId?: string;
                    name?: string;
                    description?: string;
                    address?: string;
                    securityToken?: string;
                    requestAttributes?: boolean;
                    /** @description age recipient (age1…, age1tag1…) or a PEM/SSH public key of the device */
                    publicKey?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        controllerId: string;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        updateStatus: "unknown" | "registered" | "pending" | "in_sync" | "error";
                        /** @description epoch milliseconds */
                        lastControllerRequestAt?: number;
                        address?: string;
                        ipAddress?: string;
                        /** @description only with READ_TARGET_SECURITY_TOKEN */
                        securityToken?: string;
                        requestAttributes: boolean;
                        autoConfirmActive: boolean;
                        /** @description the device's age recipient */
                        publicKey?: string;
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedDS: {
                                href: string;
                            };
                            installedDS: {
                                href: string;
                            };
                            attributes: {
                                href: string;
                            };
                            actions: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargetsControllerId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdAgeheader: {
        parameters: {
            query: {
                /** @description the TUF target path of the encrypted artifact, e.g. gw-os-1.2.0.age */
                tufTarget: string;
            };
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description this target's age header for the artifact */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdAttributes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdAssignedDS: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        version: string;
                        /** @description the distribution set type key */
                        type: string;
                        description?: string;
                        modules: {
                            id: number;
                            name: string;
                            version: string;
                            /** @description the software module type key */
                            type: string;
                            description?: string;
                            vendor?: string;
                            encrypted: boolean;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                artifacts: {
                                    href: string;
                                };
                            };
                        }[];
                        complete: boolean;
                        /**
                         * @description the stored release state; GET …/release also says pending_signature while offline-signed targets are awaited
                         * @enum {string}
                         */
                        releaseState: "draft" | "pending_approval" | "released";
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedTargets: {
                                href: string;
                            };
                            modules: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description no set is assigned */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargetsControllerIdAssignedDS: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id: number;
                    /**
                     * @default forced
                     * @enum {string}
                     */
                    type?: "forced" | "soft" | "timeforced" | "downloadonly";
                    /** @description epoch milliseconds; a timeforced action becomes forced then */
                    forcetime?: number;
                    weight?: number;
                    confirmationRequired?: boolean;
                    maintenanceWindow?: {
                        /** @description quartz cron expression: when the window opens */
                        schedule: string;
                        duration: string;
                        /** @default UTC */
                        timezone?: string;
                    };
                } | {
                    id: number;
                    /**
                     * @default forced
                     * @enum {string}
                     */
                    type?: "forced" | "soft" | "timeforced" | "downloadonly";
                    /** @description epoch milliseconds; a timeforced action becomes forced then */
                    forcetime?: number;
                    weight?: number;
                    confirmationRequired?: boolean;
                    maintenanceWindow?: {
                        /** @description quartz cron expression: when the window opens */
                        schedule: string;
                        duration: string;
                        /** @default UTC */
                        timezone?: string;
                    };
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assigned: number;
                        alreadyAssigned: number;
                        total: number;
                        assignedActions: {
                            id: number;
                        }[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdInstalledDS: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        version: string;
                        /** @description the distribution set type key */
                        type: string;
                        description?: string;
                        modules: {
                            id: number;
                            name: string;
                            version: string;
                            /** @description the software module type key */
                            type: string;
                            description?: string;
                            vendor?: string;
                            encrypted: boolean;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                artifacts: {
                                    href: string;
                                };
                            };
                        }[];
                        complete: boolean;
                        /**
                         * @description the stored release state; GET …/release also says pending_signature while offline-signed targets are awaited
                         * @enum {string}
                         */
                        releaseState: "draft" | "pending_approval" | "released";
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedTargets: {
                                href: string;
                            };
                            modules: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description no set is installed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdActions: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path: {
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            /** @enum {string} */
                            type: "update" | "cancel";
                            active: boolean;
                            /** @enum {string} */
                            status: "finished" | "error" | "warning" | "running" | "canceled" | "canceling" | "retrieved" | "download" | "scheduled" | "cancel_rejected" | "downloaded" | "wait_for_confirmation";
                            /** @enum {string} */
                            forceType: "forced" | "soft" | "timeforced" | "downloadonly";
                            /** @description epoch milliseconds */
                            forceTime?: number;
                            weight?: number;
                            maintenanceWindow?: {
                                schedule: string;
                                duration: string | null;
                                timezone: string | null;
                            };
                            lastStatusCode?: number;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                target: {
                                    href: string;
                                };
                                distributionset: {
                                    href: string;
                                };
                                status: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdActionsActionId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        type: "update" | "cancel";
                        active: boolean;
                        /** @enum {string} */
                        status: "finished" | "error" | "warning" | "running" | "canceled" | "canceling" | "retrieved" | "download" | "scheduled" | "cancel_rejected" | "downloaded" | "wait_for_confirmation";
                        /** @enum {string} */
                        forceType: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        forceTime?: number;
                        weight?: number;
                        maintenanceWindow?: {
                            schedule: string;
                            duration: string | null;
                            timezone: string | null;
                        };
                        lastStatusCode?: number;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            target: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            status: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TargetsControllerIdActionsActionId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    forceType: "forced";
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        type: "update" | "cancel";
                        active: boolean;
                        /** @enum {string} */
                        status: "finished" | "error" | "warning" | "running" | "canceled" | "canceling" | "retrieved" | "download" | "scheduled" | "cancel_rejected" | "downloaded" | "wait_for_confirmation";
                        /** @enum {string} */
                        forceType: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        forceTime?: number;
                        weight?: number;
                        maintenanceWindow?: {
                            schedule: string;
                            duration: string | null;
                            timezone: string | null;
                        };
                        lastStatusCode?: number;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            target: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            status: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargetsControllerIdActionsActionId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsControllerIdActionsActionIdStatus: {
        parameters: {
            query?: {
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path: {
                controllerId: string;
                actionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            /** @enum {string} */
                            type: "finished" | "error" | "warning" | "running" | "canceled" | "canceling" | "retrieved" | "download" | "scheduled" | "cancel_rejected" | "downloaded" | "wait_for_confirmation";
                            messages: string[];
                            code?: number;
                            /** @description epoch milliseconds */
                            reportedAt: number;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Softwaremodules: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            version: string;
                            /** @description the software module type key */
                            type: string;
                            description?: string;
                            vendor?: string;
                            encrypted: boolean;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                artifacts: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Softwaremodules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    version: string;
                    /** @description a software module type key, e.g. os, application, runtime */
                    type: string;
                    description?: string;
                    vendor?: string;
                    /** @description store its artifacts age-encrypted (only ciphertext at rest and on the wire) */
                    encrypted?: boolean;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        version: string;
                        /** @description the software module type key */
                        type: string;
                        description?: string;
                        vendor?: string;
                        encrypted: boolean;
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            artifacts: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        version: string;
                        /** @description the software module type key */
                        type: string;
                        description?: string;
                        vendor?: string;
                        encrypted: boolean;
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            artifacts: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1SoftwaremodulesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesIdArtifacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        providedFilename: string;
                        /** @description bytes stored and served (for an encrypted artifact: the age payload) */
                        size: number;
                        /** @description of the bytes served */
                        hashes: {
                            sha1: string;
                            md5: string;
                            sha256: string;
                        };
                        encrypted: boolean;
                        /** @description for an encrypted artifact: what was uploaded */
                        plaintext?: {
                            size: number;
                            sha256: string;
                        };
                        /** @description the TUF target that signs it */
                        tufTarget?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description true once the stored bytes were found missing, resized or changed: no longer offered */
                        damaged?: boolean;
                        /**
                         * @description how the stored bytes are damaged
                         * @enum {string}
                         */
                        damage?: "missing" | "size" | "hash";
                        _links: {
                            self: {
                                href: string;
                            };
                            download: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1SoftwaremodulesIdArtifacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /** @description the artifact's file name (default: the file part's own) */
                    filename?: string;
                    /** @description MD5 of the file as sent (hex); a mismatch is a 400 that stores nothing */
                    md5sum?: string;
                    /** @description SHA-1 of the file as sent (hex); a mismatch is a 400 that stores nothing */
                    sha1sum?: string;
                    /** @description SHA-256 of the file as sent (hex); a mismatch is a 400 that stores nothing */
                    sha256sum?: string;
                    /**
                     * Format: binary
                     * @description the artifact, after the fields (streamed, never buffered)
                     */
                    file: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        providedFilename: string;
                        /** @description bytes stored and served (for an encrypted artifact: the age payload) */
                        size: number;
                        /** @description of the bytes served */
                        hashes: {
                            sha1: string;
                            md5: string;
                            sha256: string;
                        };
                        encrypted: boolean;
                        /** @description for an encrypted artifact: what was uploaded */
                        plaintext?: {
                            size: number;
                            sha256: string;
                        };
                        /** @description the TUF target that signs it */
                        tufTarget?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description true once the stored bytes were found missing, resized or changed: no longer offered */
                        damaged?: boolean;
                        /**
                         * @description how the stored bytes are damaged
                         * @enum {string}
                         */
                        damage?: "missing" | "size" | "hash";
                        _links: {
                            self: {
                                href: string;
                            };
                            download: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesIdArtifactsArtifactId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                artifactId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        providedFilename: string;
                        /** @description bytes stored and served (for an encrypted artifact: the age payload) */
                        size: number;
                        /** @description of the bytes served */
                        hashes: {
                            sha1: string;
                            md5: string;
                            sha256: string;
                        };
                        encrypted: boolean;
                        /** @description for an encrypted artifact: what was uploaded */
                        plaintext?: {
                            size: number;
                            sha256: string;
                        };
                        /** @description the TUF target that signs it */
                        tufTarget?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description true once the stored bytes were found missing, resized or changed: no longer offered */
                        damaged?: boolean;
                        /**
                         * @description how the stored bytes are damaged
                         * @enum {string}
                         */
                        damage?: "missing" | "size" | "hash";
                        _links: {
                            self: {
                                href: string;
                            };
                            download: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1SoftwaremodulesIdArtifactsArtifactId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                artifactId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesIdArtifactsArtifactIdDownload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                artifactId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the stored bytes (for an encrypted artifact: the age payload) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Distributionsets: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            version: string;
                            /** @description the distribution set type key */
                            type: string;
                            description?: string;
                            modules: {
                                id: number;
                                name: string;
                                version: string;
                                /** @description the software module type key */
                                type: string;
                                description?: string;
                                vendor?: string;
                                encrypted: boolean;
                                createdBy?: string;
                                /** @description epoch milliseconds */
                                createdAt?: number;
                                /** @description epoch milliseconds */
                                lastModifiedAt?: number;
                                _links: {
                                    self: {
                                        href: string;
                                    };
                                    artifacts: {
                                        href: string;
                                    };
                                };
                            }[];
                            complete: boolean;
                            /**
                             * @description the stored release state; GET …/release also says pending_signature while offline-signed targets are awaited
                             * @enum {string}
                             */
                            releaseState: "draft" | "pending_approval" | "released";
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                assignedTargets: {
                                    href: string;
                                };
                                modules: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Distributionsets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    version: string;
                    /** @description a distribution set type key (default os) */
                    type?: string;
                    description?: string;
                    modules?: {
                        id: number;
                    }[];
                    /** @description accepted for hawkBit clients; not used */
                    requiredMigrationStep?: boolean;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        version: string;
                        /** @description the distribution set type key */
                        type: string;
                        description?: string;
                        modules: {
                            id: number;
                            name: string;
                            version: string;
                            /** @description the software module type key */
                            type: string;
                            description?: string;
                            vendor?: string;
                            encrypted: boolean;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                artifacts: {
                                    href: string;
                                };
                            };
                        }[];
                        complete: boolean;
                        /**
                         * @description the stored release state; GET …/release also says pending_signature while offline-signed targets are awaited
                         * @enum {string}
                         */
                        releaseState: "draft" | "pending_approval" | "released";
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedTargets: {
                                href: string;
                            };
                            modules: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1DistributionsetsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        version: string;
                        /** @description the distribution set type key */
                        type: string;
                        description?: string;
                        modules: {
                            id: number;
                            name: string;
                            version: string;
                            /** @description the software module type key */
                            type: string;
                            description?: string;
                            vendor?: string;
                            encrypted: boolean;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                artifacts: {
                                    href: string;
                                };
                            };
                        }[];
                        complete: boolean;
                        /**
                         * @description the stored release state; GET …/release also says pending_signature while offline-signed targets are awaited
                         * @enum {string}
                         */
                        releaseState: "draft" | "pending_approval" | "released";
                        createdBy?: string;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            assignedTargets: {
                                href: string;
                            };
                            modules: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1DistributionsetsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1DistributionsetsIdAssignedTargets: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description controllerId */
                    id: string;
                    /**
                     * @default forced
                     * @enum {string}
                     */
                    type?: "forced" | "soft" | "timeforced" | "downloadonly";
                    /** @description epoch milliseconds; a timeforced action becomes forced then */
                    forcetime?: number;
                    weight?: number;
                    confirmationRequired?: boolean;
                    maintenanceWindow?: {
                        /** @description quartz cron expression: when the window opens */
                        schedule: string;
                        duration: string;
                        /** @default UTC */
                        timezone?: string;
                    };
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        assigned: number;
                        alreadyAssigned: number;
                        total: number;
                        assignedActions: {
                            id: number;
                        }[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1DistributionsetsIdRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        state: "draft" | "pending_approval" | "pending_signature" | "released";
                        requestedBy?: string;
                        releasedBy?: string;
                        /** @description ISO 8601 */
                        releasedAt?: string;
                        request?: {
                            securityVersion: number;
                            hardware: string[];
                            /** @enum {string} */
                            installType?: "image" | "file" | "archive" | "external";
                        };
                        targets: {
                            artifactId: number;
                            moduleId: number;
                            filename: string;
                            /** @description the TUF target path */
                            path: string;
                            length: number;
                            sha256: string;
                            /** @description already a target of the repository, not registered again */
                            existing: boolean;
                        }[];
                        /** @description the metadata versions published by this call */
                        published?: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        /** @description offline targets: the version awaiting the offline signature */
                        pendingTargetsVersion?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            approve?: {
                                href: string;
                            };
                            pendingTargets?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1DistributionsetsIdRelease: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    securityVersion: number;
                    hardware: string[];
                    /** @enum {string} */
                    installType?: "image" | "file" | "archive" | "external";
                };
            };
        };
        responses: {
            /** @description released */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        state: "draft" | "pending_approval" | "pending_signature" | "released";
                        requestedBy?: string;
                        releasedBy?: string;
                        /** @description ISO 8601 */
                        releasedAt?: string;
                        request?: {
                            securityVersion: number;
                            hardware: string[];
                            /** @enum {string} */
                            installType?: "image" | "file" | "archive" | "external";
                        };
                        targets: {
                            artifactId: number;
                            moduleId: number;
                            filename: string;
                            /** @description the TUF target path */
                            path: string;
                            length: number;
                            sha256: string;
                            /** @description already a target of the repository, not registered again */
                            existing: boolean;
                        }[];
                        /** @description the metadata versions published by this call */
                        published?: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        /** @description offline targets: the version awaiting the offline signature */
                        pendingTargetsVersion?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            approve?: {
                                href: string;
                            };
                            pendingTargets?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description pending_approval or pending_signature */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        state: "draft" | "pending_approval" | "pending_signature" | "released";
                        requestedBy?: string;
                        releasedBy?: string;
                        /** @description ISO 8601 */
                        releasedAt?: string;
                        request?: {
                            securityVersion: number;
                            hardware: string[];
                            /** @enum {string} */
                            installType?: "image" | "file" | "archive" | "external";
                        };
                        targets: {
                            artifactId: number;
                            moduleId: number;
                            filename: string;
                            /** @description the TUF target path */
                            path: string;
                            length: number;
                            sha256: string;
                            /** @description already a target of the repository, not registered again */
                            existing: boolean;
                        }[];
                        /** @description the metadata versions published by this call */
                        published?: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        /** @description offline targets: the version awaiting the offline signature */
                        pendingTargetsVersion?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            approve?: {
                                href: string;
                            };
                            pendingTargets?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1DistributionsetsIdReleaseApprove: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description released */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        state: "draft" | "pending_approval" | "pending_signature" | "released";
                        requestedBy?: string;
                        releasedBy?: string;
                        /** @description ISO 8601 */
                        releasedAt?: string;
                        request?: {
                            securityVersion: number;
                            hardware: string[];
                            /** @enum {string} */
                            installType?: "image" | "file" | "archive" | "external";
                        };
                        targets: {
                            artifactId: number;
                            moduleId: number;
                            filename: string;
                            /** @description the TUF target path */
                            path: string;
                            length: number;
                            sha256: string;
                            /** @description already a target of the repository, not registered again */
                            existing: boolean;
                        }[];
                        /** @description the metadata versions published by this call */
                        published?: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        /** @description offline targets: the version awaiting the offline signature */
                        pendingTargetsVersion?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            approve?: {
                                href: string;
                            };
                            pendingTargets?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description pending_signature */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        state: "draft" | "pending_approval" | "pending_signature" | "released";
                        requestedBy?: string;
                        releasedBy?: string;
                        /** @description ISO 8601 */
                        releasedAt?: string;
                        request?: {
                            securityVersion: number;
                            hardware: string[];
                            /** @enum {string} */
                            installType?: "image" | "file" | "archive" | "external";
                        };
                        targets: {
                            artifactId: number;
                            moduleId: number;
                            filename: string;
                            /** @description the TUF target path */
                            path: string;
                            length: number;
                            sha256: string;
                            /** @description already a target of the repository, not registered again */
                            existing: boolean;
                        }[];
                        /** @description the metadata versions published by this call */
                        published?: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        /** @description offline targets: the version awaiting the offline signature */
                        pendingTargetsVersion?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            approve?: {
                                href: string;
                            };
                            pendingTargets?: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TufRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the newest root, N.root.json, the bytes as stored (sign or trust exactly these) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TufRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description TUF metadata as JSON: { signed, signatures } */
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        rootVersion: number;
                        changedRoles: ("root" | "targets" | "snapshot" | "timestamp")[];
                        /** @description roles re-signed with the new keys and published with this rotation */
                        republished: ("targets" | "snapshot" | "timestamp")[];
                        pendingTargetsVersion?: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TufRootImport: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description TUF metadata as JSON: { signed, signatures } */
                    root: {
                        [key: string]: unknown;
                    };
                    keys?: {
                        targets?: string[];
                        snapshot?: string[];
                        timestamp?: string[];
                    };
                    passphrase?: string;
                    /** @description TUF metadata as JSON: { signed, signatures } */
                    targets?: {
                        [key: string]: unknown;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        rootVersion: number;
                        targetsOffline: boolean;
                        published?: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        pendingTargetsVersion?: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TufKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        role: "root" | "targets" | "snapshot" | "timestamp";
                        keyid: string;
                        /** @description the TUF public key object */
                        key: {
                            [key: string]: unknown;
                        };
                        /** @description listed for this role in the current root */
                        inRoot: boolean;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TufKeysRole: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                role: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    privateKey: string;
                    passphrase?: string;
                } | null;
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        role: "root" | "targets" | "snapshot" | "timestamp";
                        keyid: string;
                        /** @description the TUF public key object */
                        key: {
                            [key: string]: unknown;
                        };
                        /** @description listed for this role in the current root */
                        inRoot: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TufTargetsPending: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description unsigned targets metadata awaiting the offline key, the bytes as stored (sign or trust exactly these) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TufTargetsPending: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TufTargets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description TUF metadata as JSON: { signed, signatures } */
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        published: {
                            targets: number;
                            snapshot: number;
                            timestamp: number;
                        };
                        /** @description distribution sets released by it */
                        released: number[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Roles: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        roles: {
                            name: string;
                            permissions: string[];
                        }[];
                        /** @description every permission, each grantable on its own */
                        permissions: string[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Users: {
        parameters: {
            query?: {
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            username: string;
                            /** @description as granted: role names and permission names */
                            roles: string[];
                            /** @description what the roles resolve to */
                            permissions: string[];
                            /** @description milliseconds since 1970 */
                            createdAt: number;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Users: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    username: string;
                    password: string;
                    /** @default [] */
                    roles?: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        username: string;
                        /** @description as granted: role names and permission names */
                        roles: string[];
                        /** @description what the roles resolve to */
                        permissions: string[];
                        /** @description milliseconds since 1970 */
                        createdAt: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1UsersUsername: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    roles: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        username: string;
                        /** @description as granted: role names and permission names */
                        roles: string[];
                        /** @description what the roles resolve to */
                        permissions: string[];
                        /** @description milliseconds since 1970 */
                        createdAt: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1UsersUsername: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1UsersUsernamePassword: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                username: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    password: string;
                    currentPassword?: string;
                };
            };
        };
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Apitokens: {
        parameters: {
            query?: {
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            /** @description who made it: user:<name>, or token:<name> for a token made with a token */
                            owner: string;
                            /** @description as granted; the token may do only what its owner may do as well, at each request */
                            roles: string[];
                            /** @description milliseconds since 1970 */
                            createdAt: number;
                            expiresAt: number | null;
                            lastUsedAt: number | null;
                            expired: boolean;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Apitokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    roles: string[];
                    expiresAt?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        /** @description who made it: user:<name>, or token:<name> for a token made with a token */
                        owner: string;
                        /** @description as granted; the token may do only what its owner may do as well, at each request */
                        roles: string[];
                        /** @description milliseconds since 1970 */
                        createdAt: number;
                        expiresAt: number | null;
                        lastUsedAt: number | null;
                        expired: boolean;
                        /** @description the token (osp_…): shown only in this reply, stored only as its SHA-256 */
                        token: string;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1ApitokensId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Tenants: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id: string;
                    /** @default admin */
                    adminUsername?: string;
                    adminPassword: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        admin: {
                            username: string;
                            /** @description as granted: role names and permission names */
                            roles: string[];
                            /** @description what the roles resolve to */
                            permissions: string[];
                            /** @description milliseconds since 1970 */
                            createdAt: number;
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesIdArtifactsArtifactIdSignature: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                artifactId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the DER-encoded ECDSA P-256 signature (SHA-256) over the stored bytes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SystemSigningkey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description the tenant's artifact signing public key (SPKI PEM) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-pem-file": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Audit: {
        parameters: {
            query?: {
                /** @description entries to skip from the first, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
                /** @description jsonl: every entry from the first as application/x-ndjson (a download), for osprey audit verify */
                format?: "json" | "jsonl";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description a page of entries; with format=jsonl, application/x-ndjson instead */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            tenant: string;
                            seq: number;
                            /** @description ISO 8601, milliseconds */
                            at: string;
                            actor: string;
                            action: string;
                            subject: {
                                type: string;
                                id: string;
                            };
                            /** @description JSON object or null */
                            before: unknown;
                            /** @description JSON object or null */
                            after: unknown;
                            prevHash: string;
                            hash: string;
                        }[];
                        size: number;
                        /** @description entries in the log */
                        total: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1AuditVerification: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        ok: true;
                        /** @description the last entry; null when the log is empty */
                        head: {
                            seq: number;
                            hash: string;
                        } | null;
                    } | {
                        /** @enum {boolean} */
                        ok: false;
                        /** @description the first entry where the chain breaks */
                        seq: number;
                        reason: string;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Actions: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            /** @enum {string} */
                            type: "update" | "cancel";
                            active: boolean;
                            /** @enum {string} */
                            status: "finished" | "error" | "warning" | "running" | "canceled" | "canceling" | "retrieved" | "download" | "scheduled" | "cancel_rejected" | "downloaded" | "wait_for_confirmation";
                            /** @enum {string} */
                            forceType: "forced" | "soft" | "timeforced" | "downloadonly";
                            /** @description epoch milliseconds */
                            forceTime?: number;
                            weight?: number;
                            maintenanceWindow?: {
                                schedule: string;
                                duration: string | null;
                                timezone: string | null;
                            };
                            lastStatusCode?: number;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                target: {
                                    href: string;
                                };
                                distributionset: {
                                    href: string;
                                };
                                status: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1ActionsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        /** @enum {string} */
                        type: "update" | "cancel";
                        active: boolean;
                        /** @enum {string} */
                        status: "finished" | "error" | "warning" | "running" | "canceled" | "canceling" | "retrieved" | "download" | "scheduled" | "cancel_rejected" | "downloaded" | "wait_for_confirmation";
                        /** @enum {string} */
                        forceType: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        forceTime?: number;
                        weight?: number;
                        maintenanceWindow?: {
                            schedule: string;
                            duration: string | null;
                            timezone: string | null;
                        };
                        lastStatusCode?: number;
                        /** @description epoch milliseconds */
                        createdAt?: number;
                        /** @description epoch milliseconds */
                        lastModifiedAt?: number;
                        _links: {
                            self: {
                                href: string;
                            };
                            target: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                            status: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1ActionsId: {
        parameters: {
            query?: {
                /** @description true: force-quit an action stuck in canceling */
                force?: "true" | "false";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Targettags: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            description?: string;
                            colour?: string;
                            createdAt: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Targettags: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                    colour?: string;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargettagsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TargettagsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    description?: string;
                    colour?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargettagsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Distributionsettags: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            description?: string;
                            colour?: string;
                            createdAt: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Distributionsettags: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                    colour?: string;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1DistributionsettagsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1DistributionsettagsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    description?: string;
                    colour?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1DistributionsettagsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargettagsIdAssigned: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            controllerId: string;
                            name: string;
                            description?: string;
                            /** @enum {string} */
                            updateStatus: "unknown" | "registered" | "pending" | "in_sync" | "error";
                            /** @description epoch milliseconds */
                            lastControllerRequestAt?: number;
                            address?: string;
                            ipAddress?: string;
                            /** @description only with READ_TARGET_SECURITY_TOKEN */
                            securityToken?: string;
                            requestAttributes: boolean;
                            autoConfirmActive: boolean;
                            /** @description the device's age recipient */
                            publicKey?: string;
                            createdBy?: string;
                            /** @description epoch milliseconds */
                            createdAt?: number;
                            /** @description epoch milliseconds */
                            lastModifiedAt?: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                                assignedDS: {
                                    href: string;
                                };
                                installedDS: {
                                    href: string;
                                };
                                attributes: {
                                    href: string;
                                };
                                actions: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargettagsIdAssigned: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description controllerIds */
        requestBody: {
            content: {
                "application/json": string[];
            };
        };
        responses: {
            /** @description no body */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargettagsIdAssignedControllerId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                controllerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Targettypes: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            key: string;
                            description?: string;
                            colour?: string;
                            createdAt: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Targettypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                    colour?: string;
                    key?: string;
                    compatibledistributionsettypes?: {
                        id: number;
                    }[];
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargettypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TargettypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    description?: string;
                    colour?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargettypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Softwaremoduletypes: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            key: string;
                            description?: string;
                            colour?: string;
                            createdAt: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                            };
                            maxAssignments: number;
                            minArtifacts: number;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Softwaremoduletypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                    colour?: string;
                    key: string;
                    /** @default 1 */
                    maxAssignments?: number;
                    /** @default 0 */
                    minArtifacts?: number;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        maxAssignments: number;
                        minArtifacts: number;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremoduletypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        maxAssignments: number;
                        minArtifacts: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1SoftwaremoduletypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    description?: string;
                    colour?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        maxAssignments: number;
                        minArtifacts: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1SoftwaremoduletypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Distributionsettypes: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            key: string;
                            description?: string;
                            colour?: string;
                            createdAt: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                            };
                            mandatorymodules: {
                                id: number;
                            }[];
                            optionalmodules: {
                                id: number;
                            }[];
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Distributionsettypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                    colour?: string;
                    key: string;
                    mandatorymodules?: {
                        id: number;
                    }[];
                    optionalmodules?: {
                        id: number;
                    }[];
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        mandatorymodules: {
                            id: number;
                        }[];
                        optionalmodules: {
                            id: number;
                        }[];
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1DistributionsettypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        mandatorymodules: {
                            id: number;
                        }[];
                        optionalmodules: {
                            id: number;
                        }[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1DistributionsettypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    description?: string;
                    colour?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        key: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        mandatorymodules: {
                            id: number;
                        }[];
                        optionalmodules: {
                            id: number;
                        }[];
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1DistributionsettypesId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargettypesIdCompatibledistributionsettypes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        key: string;
                        name: string;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargettypesIdCompatibledistributionsettypes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id: number;
                }[];
            };
        };
        responses: {
            /** @description no body */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Targetfilters: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            description?: string;
                            colour?: string;
                            createdAt: number;
                            _links: {
                                self: {
                                    href: string;
                                };
                            };
                            query: string;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Targetfilters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    query: string;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        query: string;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetfiltersId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        query: string;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TargetfiltersId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    query?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        colour?: string;
                        createdAt: number;
                        _links: {
                            self: {
                                href: string;
                            };
                        };
                        query: string;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargetfiltersId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsOwnerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            key: string;
                            value: string;
                            /** @description software module metadata only */
                            targetVisible?: boolean;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargetsOwnerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key: string;
                    value: string;
                    targetVisible?: boolean;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetsOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1TargetsOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key?: string;
                    value: string;
                    targetVisible?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargetsOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesOwnerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            key: string;
                            value: string;
                            /** @description software module metadata only */
                            targetVisible?: boolean;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1SoftwaremodulesOwnerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key: string;
                    value: string;
                    targetVisible?: boolean;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SoftwaremodulesOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1SoftwaremodulesOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key?: string;
                    value: string;
                    targetVisible?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1SoftwaremodulesOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1DistributionsetsOwnerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            key: string;
                            value: string;
                            /** @description software module metadata only */
                            targetVisible?: boolean;
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1DistributionsetsOwnerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key: string;
                    value: string;
                    targetVisible?: boolean;
                }[];
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    }[];
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1DistributionsetsOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putRestV1DistributionsetsOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    key?: string;
                    value: string;
                    targetVisible?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        value: string;
                        /** @description software module metadata only */
                        targetVisible?: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1DistributionsetsOwnerMetadataKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                owner: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Rollouts: {
        parameters: {
            query?: {
                /** @description RSQL filter, e.g. name==gw* */
                q?: string;
                /** @description field:ASC or field:DESC, comma-separated */
                sort?: string;
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            description?: string;
                            /** @enum {string} */
                            status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                            targetFilterQuery: string;
                            distributionSetId: number;
                            totalTargets: number;
                            totalGroups: number;
                            totalTargetsPerStatus: {
                                running: number;
                                scheduled: number;
                                notstarted: number;
                                cancelled: number;
                                finished: number;
                                error: number;
                            };
                            /** @enum {string} */
                            type: "forced" | "soft" | "timeforced" | "downloadonly";
                            /** @description epoch milliseconds */
                            startAt?: number;
                            /** @description epoch milliseconds */
                            forcetime?: number;
                            weight?: number;
                            deleted: boolean;
                            dynamic: boolean;
                            approvalRemark?: string;
                            approveDecidedBy?: string;
                            /** @description epoch milliseconds */
                            createdAt: number;
                            /** @description the actor, as in the audit log: user:<name> or token:<name> */
                            createdBy?: string;
                            _links: {
                                self: {
                                    href: string;
                                };
                                groups: {
                                    href: string;
                                };
                                distributionset: {
                                    href: string;
                                };
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Rollouts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    description?: string;
                    distributionSetId: number;
                    targetFilterQuery: string;
                    /**
                     * @default forced
                     * @enum {string}
                     */
                    type?: "forced" | "soft" | "timeforced" | "downloadonly";
                    forcetime?: number;
                    startAt?: number;
                    weight?: number;
                    confirmationRequired?: boolean;
                    amountGroups?: number;
                    groups?: {
                        name: string;
                        description?: string;
                        targetFilterQuery?: string;
                        /** @default 100 */
                        targetPercentage?: number;
                        confirmationRequired?: boolean;
                        successCondition?: {
                            /**
                             * @default THRESHOLD
                             * @enum {string}
                             */
                            condition?: "THRESHOLD";
                            expression: string;
                        };
                        successAction?: {
                            /** @enum {string} */
                            action: "NEXTGROUP" | "PAUSE";
                            expression?: string;
                        };
                        errorCondition?: {
                            /**
                             * @default THRESHOLD
                             * @enum {string}
                             */
                            condition?: "THRESHOLD";
                            expression: string;
                        };
                        errorAction?: {
                            /** @enum {string} */
                            action: "PAUSE";
                            expression?: string;
                        };
                    }[];
                    successCondition?: {
                        /**
                         * @default THRESHOLD
                         * @enum {string}
                         */
                        condition?: "THRESHOLD";
                        expression: string;
                    };
                    successAction?: {
                        /** @enum {string} */
                        action: "NEXTGROUP" | "PAUSE";
                        expression?: string;
                    };
                    errorCondition?: {
                        /**
                         * @default THRESHOLD
                         * @enum {string}
                         */
                        condition?: "THRESHOLD";
                        expression: string;
                    };
                    errorAction?: {
                        /** @enum {string} */
                        action: "PAUSE";
                        expression?: string;
                    };
                    rateLimit?: {
                        maxPerMinute: number;
                        growth?: {
                            baseRatePerMinute: number;
                            incrementFactor: number;
                            whenSucceededCount: number;
                        };
                    };
                    abortCriteria?: {
                        /** @enum {string} */
                        failureType: "failed" | "timedOut" | "canceled";
                        minExecutedCount: number;
                        thresholdPercentage: number;
                    }[];
                    rollbackDistributionSetId?: number;
                    maxRetries?: number;
                    maintenanceWindow?: {
                        schedule: string;
                        duration: string;
                        /** @default UTC */
                        timezone?: string;
                    };
                    dynamic?: boolean;
                    dynamicGroupTemplate?: {
                        /** @default -dynamic */
                        nameSuffix?: string;
                        targetCount: number;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1RolloutsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1RolloutsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdStart: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdPause: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdResume: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdStop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdTriggerNextGroup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdApprove: {
        parameters: {
            query?: {
                remark?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdDeny: {
        parameters: {
            query?: {
                remark?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1RolloutsIdRetry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: number;
                        name: string;
                        description?: string;
                        /** @enum {string} */
                        status: "creating" | "waiting_for_approval" | "approval_denied" | "ready" | "starting" | "running" | "paused" | "stopping" | "stopped" | "finished" | "deleting" | "deleted";
                        targetFilterQuery: string;
                        distributionSetId: number;
                        totalTargets: number;
                        totalGroups: number;
                        totalTargetsPerStatus: {
                            running: number;
                            scheduled: number;
                            notstarted: number;
                            cancelled: number;
                            finished: number;
                            error: number;
                        };
                        /** @enum {string} */
                        type: "forced" | "soft" | "timeforced" | "downloadonly";
                        /** @description epoch milliseconds */
                        startAt?: number;
                        /** @description epoch milliseconds */
                        forcetime?: number;
                        weight?: number;
                        deleted: boolean;
                        dynamic: boolean;
                        approvalRemark?: string;
                        approveDecidedBy?: string;
                        /** @description epoch milliseconds */
                        createdAt: number;
                        /** @description the actor, as in the audit log: user:<name> or token:<name> */
                        createdBy?: string;
                        _links: {
                            self: {
                                href: string;
                            };
                            groups: {
                                href: string;
                            };
                            distributionset: {
                                href: string;
                            };
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1RolloutsIdDeploygroups: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            id: number;
                            name: string;
                            /** @enum {string} */
                            status: "creating" | "ready" | "scheduled" | "running" | "finished" | "error";
                            targetFilterQuery?: string;
                            targetPercentage?: number;
                            totalTargets: number;
                            successCondition?: {
                                percentage: number;
                                action: string;
                            } | null;
                            errorCondition?: {
                                percentage: number;
                                action: string;
                            } | null;
                            /** @description the group's actions, counted as the rollout's are */
                            totalTargetsPerStatus: {
                                running: number;
                                scheduled: number;
                                notstarted: number;
                                cancelled: number;
                                finished: number;
                                error: number;
                            };
                        }[];
                        total: number;
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1RolloutsIdDeploygroupsGroupIdTargets: {
        parameters: {
            query?: {
                /** @description first row, default 0 */
                offset?: string;
                /** @description rows per page, default 50, at most 500 */
                limit?: string;
            };
            header?: never;
            path: {
                id: string;
                groupId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        content: {
                            controllerId: string;
                            name: string;
                            actionId: number;
                            /** @description the action status, lowercase */
                            actionStatus: string;
                        }[];
                        size: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1TargetfiltersIdAutoAssignDS: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        distributionSetId: number;
                        /** @enum {string} */
                        type: "forced" | "soft" | "downloadonly";
                        weight: number | null;
                        confirmationRequired: boolean;
                        paused: boolean;
                    };
                };
            };
            /** @description the filter has no auto-assignment */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargetfiltersIdAutoAssignDS: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the distribution set */
                    id: number;
                    /**
                     * @default forced
                     * @enum {string}
                     */
                    type?: "forced" | "soft" | "downloadonly";
                    weight?: number;
                    /** @default false */
                    confirmationRequired?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        distributionSetId: number;
                        /** @enum {string} */
                        type: "forced" | "soft" | "downloadonly";
                        weight: number | null;
                        confirmationRequired: boolean;
                        paused: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1TargetfiltersIdAutoAssignDS: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargetfiltersIdAutoAssignDSPause: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        distributionSetId: number;
                        /** @enum {string} */
                        type: "forced" | "soft" | "downloadonly";
                        weight: number | null;
                        confirmationRequired: boolean;
                        paused: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1TargetfiltersIdAutoAssignDSResume: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        distributionSetId: number;
                        /** @enum {string} */
                        type: "forced" | "soft" | "downloadonly";
                        weight: number | null;
                        confirmationRequired: boolean;
                        paused: boolean;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postRestV1Sessions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    username: string;
                    password: string;
                    /** @default DEFAULT */
                    tenant?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description the session token (oss_…), sent as Authorization: Bearer; shown only in this reply */
                        token: string;
                        /** @description the absolute end of the session; it ends earlier after idleTimeoutSeconds without a request */
                        expiresAt: number;
                        idleTimeoutSeconds: number;
                        user: {
                            username: string;
                            tenant: string;
                            /** @description as granted: role names and permission names */
                            roles: string[];
                            /** @description what the roles resolve to now */
                            permissions: string[];
                        };
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1SessionsCurrent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        user: {
                            username: string;
                            tenant: string;
                            /** @description as granted: role names and permission names */
                            roles: string[];
                            /** @description what the roles resolve to now */
                            permissions: string[];
                        };
                        /** @description the absolute end of this session; null when the caller is not a console session */
                        expiresAt: number | null;
                        idleTimeoutSeconds: number;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteRestV1SessionsCurrent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description no content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1Events: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream: `event: change` with data {"changes":[{"kind","id"}]}; `{"kind":"*"}` means reload everything */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getRestV1OpenapiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description this document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description hawkBit error body */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description hawkBit error body */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
