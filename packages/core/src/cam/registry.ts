/**
 * Every CAM method in one table, in the manner of transformers.js's SUPPORTED_TASKS: its name
 * (the `--method` spelling; `CamMethodName` is derived from the keys), its paper, what it needs
 * of the model, whether it is class-specific, which libraries' numbers `--compat` reproduces,
 * and how to create it. Adding a method is one file under methods/ and one row here.
 */
import { UsageError } from '../errors.js';
import type { CamMethod } from './base.js';
import { AblationCam } from './methods/ablation-cam.js';
import { Cam } from './methods/cam.js';
import { EigenCam } from './methods/eigen-cam.js';
import { GradCam } from './methods/grad-cam.js';
import { GradCamElementWise } from './methods/grad-cam-elementwise.js';
import { GradCamPlusPlus } from './methods/grad-cam-pp.js';
import { HiResCam } from './methods/hires-cam.js';
import { IsCam } from './methods/is-cam.js';
import { LayerCam } from './methods/layer-cam.js';
import { ScoreCam } from './methods/score-cam.js';
import { SmoothGradCamPlusPlus } from './methods/smooth-grad-cam-pp.js';
import { SsCam } from './methods/ss-cam.js';
import { XGradCam } from './methods/xgrad-cam.js';
import { CAM_COMPATS, type CamCompat } from './types.js';

/**
 * What a method needs beyond the feature map. `gap-linear-head`: the classifier weights of a
 * GAP-linear or class-map head (its closed forms rest on the head being linear over the pooled
 * features; token features without such a head cannot use it). `forward-passes`: the input tensor
 * and more forward passes of the model (any head whose scores the model outputs). `gradients`: real
 * gradients of the score with respect to the layer, from the backward graph (grad/).
 */
export type CamRequirement = 'gap-linear-head' | 'forward-passes' | 'gradients';

/** The options any method may take; each reads the ones that concern it. */
export interface CamMethodOptions {
  readonly compat?: CamCompat;
  /** Score-CAM family: most channels given masked forward passes (default 128; all under a library's compat). */
  readonly maxChannels?: number;
  /** Score-CAM family: masked inputs per forward call (default 32). */
  readonly batchSize?: number;
  /** SS-CAM: noisy masks per channel (35); IS-CAM: integration steps (10); SmoothGrad-CAM++ (torch-cam): noisy passes (4). */
  readonly samples?: number;
  /** SS-CAM: standard deviation of the mask noise (2); SmoothGrad-CAM++ (torch-cam): of the input noise (0.3). */
  readonly sigma?: number;
  /** SS-CAM, SmoothGrad-CAM++ (torch-cam): seed of the noise (0). */
  readonly seed?: number;
}

/**
 * `same`: the library computes the paper's formula; any other text: the difference reproduced
 * (or, for Eigen-CAM, the one difference that cannot be: the sign LAPACK picks).
 */
type LibraryNote = 'same' | string;

export interface CamMethodSpec {
  readonly summary: string;
  readonly paper: string;
  readonly needs: readonly CamRequirement[];
  /**
   * What it needs instead, per kind of head without a closed form (token features, or any other
   * layer), when it `needs` a GAP-linear head; a kind absent: it does not apply there.
   */
  readonly withoutHead?: Partial<Record<'tokens' | 'layer', readonly CamRequirement[]>>;
  /**
   * The map from real gradients (`CamMethod.gradientMap`): the backprop form, used on any layer of
   * any classifier where the closed form does not apply.
   */
  readonly backprop?: true;
  /**
   * The closed form in the model's graph (`CamMethod.graphWeights`, `--cam-on-device`); the
   * `backprop` methods also have their backprop form there (`CamMethod.graphGradientMap`).
   */
  readonly graph?: true;
  /** Whether the map depends on the target class (Eigen-CAM's does not). */
  readonly classSpecific: boolean;
  /** Per library that `--compat` names: how its numbers are reproduced; absent: it is refused. */
  readonly libraries: Partial<Record<Exclude<CamCompat, 'paper'>, LibraryNote>>;
  /** What a library's form needs beyond `needs` (SmoothGrad-CAM++ under torch-cam: a noisy forward pass). */
  readonly librariesNeed?: Partial<Record<Exclude<CamCompat, 'paper'>, readonly CamRequirement[]>>;
  readonly create: (options: CamMethodOptions) => CamMethod;
}

const HEAD: readonly CamRequirement[] = ['gap-linear-head'];
const FORWARD: readonly CamRequirement[] = ['forward-passes'];
/** A gradient method off a GAP-linear head: the backward graph's gradients. */
const BACKPROP = { backprop: true, withoutHead: { tokens: ['gradients'], layer: ['gradients'] } } as const;

/** Keeps the table's keys and row literals as types while each row is checked as a CamMethodSpec. */
function table<const Rows extends Record<string, CamMethodSpec>>(rows: Rows): Readonly<Rows> {
  return rows;
}

const ROWS = table({
  cam: {
    summary: 'classifier weights times features',
    paper: 'Zhou et al., CVPR 2016',
    needs: HEAD,
    graph: true,
    classSpecific: true,
    libraries: { 'torch-cam': 'no ReLU before the min-max' },
    create: (o) => new Cam(o),
  },
  gradcam: {
    summary: 'mean gradient per channel (closed form)',
    paper: 'Selvaraju et al., ICCV 2017',
    needs: HEAD,
    ...BACKPROP,
    graph: true,
    classSpecific: true,
    libraries: { 'pytorch-grad-cam': 'same', 'torch-cam': 'same' },
    create: () => new GradCam(),
  },
  gradcampp: {
    summary: 'second-order gradient weights (closed form)',
    paper: 'Chattopadhyay et al., WACV 2018',
    needs: HEAD,
    ...BACKPROP,
    graph: true,
    classSpecific: true,
    libraries: {
      'pytorch-grad-cam': 'eps = 1e-6 in the denominator',
      'torch-cam': 'alpha stays g^2 (its division acts on a boolean-index copy); min-max over max + 1e-8',
    },
    create: (o) => new GradCamPlusPlus(o),
  },
  smoothgradcampp: {
    summary: 'Grad-CAM++ averaged over noisy inputs (closed form: = Grad-CAM++)',
    paper: 'Omeiza et al., arXiv 2019',
    needs: HEAD,
    graph: true,
    classSpecific: true,
    libraries: {
      'torch-cam':
        "the last noisy pass's features weighted (seeded noise, `camSamples: 4`, `camSigma: 0.3`); alpha eps 1e-8; min-max over max + 1e-8",
    },
    librariesNeed: { 'torch-cam': FORWARD },
    create: (o) => new SmoothGradCamPlusPlus(o),
  },
  xgradcam: {
    summary: 'activation-weighted gradients (closed form)',
    paper: 'Fu et al., BMVC 2020',
    needs: HEAD,
    ...BACKPROP,
    graph: true,
    classSpecific: true,
    libraries: { 'pytorch-grad-cam': 'same', 'torch-cam': 'same' },
    create: () => new XGradCam(),
  },
  layercam: {
    summary: 'pixel-wise positive gradients (closed form)',
    paper: 'Jiang et al., IEEE TIP 2021',
    needs: HEAD,
    ...BACKPROP,
    graph: true,
    classSpecific: true,
    libraries: { 'pytorch-grad-cam': 'same', 'torch-cam': 'same' },
    create: () => new LayerCam(),
  },
  hirescam: {
    summary: 'gradient times activation (closed form: = CAM after min-max)',
    paper: 'Draelos & Carin, arXiv 2020',
    needs: HEAD,
    ...BACKPROP,
    graph: true,
    classSpecific: true,
    libraries: { 'pytorch-grad-cam': 'same' },
    create: () => new HiResCam(),
  },
  'gradcam-elementwise': {
    summary: 'ReLU of gradient times activation, summed over channels',
    paper: 'pytorch-grad-cam GradCAMElementWise (after Draelos & Carin, 2020)',
    needs: HEAD,
    ...BACKPROP,
    classSpecific: true,
    libraries: { 'pytorch-grad-cam': 'same' },
    create: () => new GradCamElementWise(),
  },
  ablationcam: {
    summary: 'score drop when a channel is zeroed (closed form; forward passes on token features)',
    paper: 'Desai & Ramaswamy, WACV 2020',
    needs: HEAD,
    withoutHead: { tokens: FORWARD },
    classSpecific: true,
    libraries: {
      'pytorch-grad-cam':
        "the paper's zero ablation where the layer's minimum is 0 (ReLU features: CNNs); other minima, where it writes min - 1e7, refused",
    },
    create: (o) => new AblationCam(o),
  },
  scorecam: {
    summary: 'score of the input masked by each channel',
    paper: 'Wang et al., CVPR-W 2020',
    needs: FORWARD,
    classSpecific: true,
    libraries: {
      'pytorch-grad-cam': 'align_corners=True masks; softmax over channels of the raw logit',
      'torch-cam':
        'masks min-maxed (max + 1e-8) on the grid, then upsampled; softmax over channels of logit - clean logit',
    },
    create: (o) => new ScoreCam(o),
  },
  sscam: {
    summary: 'Score-CAM averaged over noisy masks',
    paper: 'Wang et al., arXiv 2020',
    needs: FORWARD,
    classSpecific: true,
    libraries: {
      'torch-cam': "torch-cam's Score-CAM over noisy masks: softmax over channels of the mean logit gain",
    },
    create: (o) => new SsCam(o),
  },
  iscam: {
    summary: 'Score-CAM integrated over masks scaled i/N',
    paper: 'Naidu et al., arXiv 2020',
    needs: FORWARD,
    classSpecific: true,
    libraries: {
      'torch-cam': "torch-cam's Score-CAM over masks scaled cumulatively: coeff += i/N, i.e. i(i+1)/(2N)",
    },
    create: (o) => new IsCam(o),
  },
  eigencam: {
    summary: 'first principal component of the features',
    paper: 'Muhammad & Yeasin, IJCNN 2020',
    needs: [],
    classSpecific: false,
    libraries: { 'pytorch-grad-cam': 'same up to the SVD sign, which it leaves uncorrected' },
    create: () => new EigenCam(),
  },
});

export type CamMethodName = keyof typeof ROWS;

/** The table, each row read as a CamMethodSpec. */
export const CAM_METHODS: Readonly<Record<CamMethodName, CamMethodSpec>> = ROWS;

/** The methods whose row says `graph: true`: the type follows the table. */
export type GraphMethodName = {
  [Name in CamMethodName]: (typeof ROWS)[Name] extends { readonly graph: true } ? Name : never;
}[CamMethodName];

/** The method names in table order (the `--method` choices). */
export const CAM_METHOD_NAMES = Object.keys(CAM_METHODS) as readonly CamMethodName[];

export function isCamMethodName(name: string): name is CamMethodName {
  return Object.hasOwn(CAM_METHODS, name);
}

/** A method name checked against the table; a usage error lists the choices. */
export function parseCamMethodName(name: string): CamMethodName {
  if (isCamMethodName(name)) return name;
  throw new UsageError(`unknown CAM method '${name}'`, {
    hint: `use one of ${CAM_METHOD_NAMES.join(', ')}`,
  });
}

/** The kinds of CAM head (CamHeadWeights['kind']). */
type HeadKind = 'gap-linear' | 'class-map' | 'tokens' | 'layer';

/**
 * What `name` needs on a head of kind `head` (a GAP-linear one by default) in `compat`'s form, or
 * undefined when it does not apply to such a head (a closed form on token features).
 */
export function camMethodRequirements(
  name: CamMethodName,
  head: HeadKind = 'gap-linear',
  compat: CamCompat = 'paper',
): readonly CamRequirement[] | undefined {
  const spec = CAM_METHODS[name];
  const needs =
    (head === 'tokens' || head === 'layer') && spec.needs.includes('gap-linear-head')
      ? spec.withoutHead?.[head]
      : spec.needs;
  const more = compat === 'paper' ? undefined : spec.librariesNeed?.[compat];
  return needs === undefined || more === undefined ? needs : [...new Set([...needs, ...more])];
}

/**
 * Whether `name` needs `requirement` on a head of kind `head` (a GAP-linear one by default), e.g.
 * forward passes: the input tensor and the session.
 */
export function camMethodNeeds(
  name: CamMethodName,
  requirement: CamRequirement,
  head: HeadKind = 'gap-linear',
  compat: CamCompat = 'paper',
): boolean {
  return camMethodRequirements(name, head, compat)?.includes(requirement) ?? false;
}

/** Whether `compat` gives the paper's numbers for `name` (so the on-device graph may compute it). */
export function computesPaperForm(name: CamMethodName, compat: CamCompat = 'paper'): boolean {
  return compat === 'paper' || CAM_METHODS[name].libraries[compat] === 'same';
}

/** A CAM method by its name; refuses a `compat` whose library the method does not reproduce. */
export function createCamMethod(name: CamMethodName, options: CamMethodOptions = {}): CamMethod {
  checkCamCompat(name, options.compat ?? 'paper');
  return CAM_METHODS[name].create(options);
}

/** A usage error unless `name` is a method and reproduces `compat`'s numbers. */
export function checkCamCompat(name: CamMethodName, compat: CamCompat): void {
  const spec = CAM_METHODS[parseCamMethodName(name)];
  if (!CAM_COMPATS.includes(compat)) {
    throw new UsageError(`unknown \`compat\` '${compat}'`, {
      hint: `use one of ${CAM_COMPATS.join(', ')}`,
    });
  }
  if (compat !== 'paper' && spec.libraries[compat] === undefined) {
    const methods = CAM_METHOD_NAMES.filter((m) => CAM_METHODS[m].libraries[compat] !== undefined);
    throw new UsageError(`\`compat: ${compat}\`: ${name} does not reproduce ${compat}'s numbers`, {
      hint: `with \`compat: ${compat}\` use one of ${methods.join(', ')}, or \`compat: paper\``,
    });
  }
}
