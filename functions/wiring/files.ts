import { s3Client } from '../../lib/adapters/aws-clients.js';
import { S3FileStore } from '../../lib/adapters/s3-files.js';
import { configSection } from '../../lib/config.js';

/** The upload bucket: uploads, dropped files, reports, rejected rows and large exports. */
export const files = new S3FileStore(s3Client(configSection('clients')), configSection('storage').uploadBucket);
