'use strict';

/**
 * API Gateway method throttling from `custom.apiGatewayThrottling` (serverless.yml):
 *
 *   custom:
 *     apiGatewayThrottling:
 *       rateLimit: 100        # stage default: requests per second, per method, all callers
 *       burstLimit: 200       # stage default: the token bucket's size
 *       methods:
 *         POST /phonebook/import: { rateLimit: 20, burstLimit: 40 }
 *
 * Serverless v3 (osls) has no setting for a REST API stage's method throttling: its stage is
 * created by the AWS::ApiGateway::Deployment it compiles, so this writes the limits into that
 * deployment's StageDescription (ThrottlingRateLimit/BurstLimit and one MethodSetting per
 * listed method). Usage plans would need API keys, which callers here do not have. Kept here
 * rather than the npm plugin serverless-api-gateway-throttling because that one sets the stage
 * after the deploy through the API, outside the template: the packaged template could not be
 * tested for it, and a stack rebuilt from the template would lose the limits. The local
 * gateway (local/gateway.ts) reads the same block and applies the same token buckets.
 */
class ApiGatewayThrottling {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.addThrottling() };
  }

  addThrottling() {
    const settings = this.serverless.service.custom?.apiGatewayThrottling;
    if (!settings) return;
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const deployments = Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGateway::Deployment');
    if (deployments.length !== 1) throw new Error(`apiGatewayThrottling: expected one API Gateway deployment, found ${deployments.length}`);
    const methodSettings = Object.entries(settings.methods || {}).map(([route, limits]) => {
      const [httpMethod, path] = route.split(' ');
      if (!httpMethod || !path?.startsWith('/')) throw new Error(`apiGatewayThrottling: '${route}' must read 'METHOD /path'`);
      return {
        HttpMethod: httpMethod.toUpperCase(),
        // CloudFormation names /a/b as /~1a~1b: a leading slash, then every '/' of the path as '~1'.
        ResourcePath: `/${path.replaceAll('/', '~1')}`,
        ThrottlingRateLimit: limits.rateLimit,
        ThrottlingBurstLimit: limits.burstLimit,
      };
    });
    deployments[0].Properties.StageDescription = {
      ...(deployments[0].Properties.StageDescription || {}),
      ThrottlingRateLimit: settings.rateLimit,
      ThrottlingBurstLimit: settings.burstLimit,
      MethodSettings: methodSettings,
    };
  }
}

module.exports = ApiGatewayThrottling;
