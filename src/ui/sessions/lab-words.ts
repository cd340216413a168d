/** How the page names each lab that saves sessions, and what its steps are called. */
import type { LabKind } from '../../core/store';

export const LAB_WORDS: Record<LabKind, { title: string; inSentence: string; unit: string }> = {
  demo: { title: 'Start demo', inSentence: 'backend check', unit: 'step' },
  gan: { title: 'GAN lab', inSentence: 'GAN lab', unit: 'step' },
  recsys: { title: 'Recommender lab', inSentence: 'recommender lab', unit: 'round' },
  'log-model': {
    title: 'Recommender models',
    inSentence: 'recommender lab’s models panel',
    unit: 'step',
  },
};
