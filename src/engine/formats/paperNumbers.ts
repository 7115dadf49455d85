/**
 * The paper's CIFAR-10 numbers, shown beside ours (Ilyas et al. 2019, Figure 2 and Table 1).
 * Figure 2 reads off bars (standard / robust accuracy in %, robust at L2 ε = 0.25);
 * Table 1 gives test accuracy on the original CIFAR-10 test set for models trained on D_rand / D_det.
 */
export const PAPER_FIGURE2 = {
  threat: 'L2, ε = 0.25 (CIFAR-10)',
  standard_D: { standardAcc: 95.3, robustAcc: 0, note: '≈0' },
  adversarial_D: { standardAcc: 91, robustAcc: 82, note: '≈91 / ≈82' },
  standard_DR: { standardAcc: 84, robustAcc: 48 },
  standard_DNR: { standardAcc: 88, robustAcc: 0 },
} as const;

export const PAPER_TABLE1 = {
  D_rand: { testAcc: 63.3 },
  D_det: { testAcc: 43.7 },
} as const;
