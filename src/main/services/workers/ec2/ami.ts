import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { WorkbenchError } from '../../../../shared/errors.ts';

/** Canonical's AWS account: only its images are trusted as "Ubuntu". */
export const CANONICAL_OWNER_ID = '099720109477';

// ubuntu/images/hvm-ssd(-gp3)/ubuntu-<codename>-<YY.MM>-amd64-server-<date>
const UBUNTU_SERVER = /^ubuntu\/images\/hvm-ssd(-gp3)?\/ubuntu-[a-z]+-(\d\d)\.(\d\d)-amd64-server-(\d{8}(\.\d+)?)$/;

/** LTS releases are the April releases of even years (20.04, 22.04, 24.04 ...). */
function ltsVersion(image: Image): { version: number; build: string } | undefined {
  const m = UBUNTU_SERVER.exec(image.Name ?? '');
  if (!m) return undefined;
  const year = Number(m[2]);
  if (m[3] !== '04' || year % 2 !== 0) return undefined;
  return { version: year, build: m[4] ?? '' };
}

/**
 * The newest Ubuntu LTS server image (amd64) from Canonical in the client's region: highest
 * release first, then the newest build of it (its creation date, else the date in its name).
 */
export async function newestUbuntuLts(ec2: EC2Client): Promise<Image> {
  const answer = await ec2.send(
    new DescribeImagesCommand({
      Owners: [CANONICAL_OWNER_ID],
      Filters: [
        { Name: 'name', Values: ['ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*'] },
        { Name: 'state', Values: ['available'] },
      ],
    }),
  );
  const candidates = (answer.Images ?? [])
    .filter((image) => image.OwnerId === undefined || image.OwnerId === CANONICAL_OWNER_ID)
    .map((image) => ({ image, lts: ltsVersion(image) }))
    .filter((c): c is { image: Image; lts: { version: number; build: string } } => c.lts !== undefined)
    .sort((a, b) => b.lts.version - a.lts.version || (b.image.CreationDate ?? b.lts.build).localeCompare(a.image.CreationDate ?? a.lts.build));
  const best = candidates[0];
  if (!best?.image.ImageId) {
    throw new WorkbenchError('NOT_FOUND', 'No Ubuntu LTS image from Canonical was found in this region; give an AMI id instead.');
  }
  return best.image;
}

/** An image the user named, checked to exist here (its root device name sizes the disk). */
export async function describeImage(ec2: EC2Client, imageId: string, region: string): Promise<Image> {
  try {
    const answer = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const image = answer.Images?.[0];
    if (image) return image;
  } catch (err) {
    if (!/InvalidAMIID/.test((err as { name?: string }).name ?? '')) throw err;
  }
  throw new WorkbenchError('BAD_INPUT', `imageId: the AMI ${imageId} does not exist in ${region} (or is not shared with you).`);
}
