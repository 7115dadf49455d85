/**
 * What every number in theory.json means, written into the file itself so that the JSON can
 * be read without this source. Paper: Ilyas et al. (2019), arXiv:1905.02175, Section 4
 * (the Gaussian model, Theorems 1–3) and its appendix.
 */
export const CONVENTIONS = {
  model:
    'y ~ uniform{−1,+1}, x ~ N(y·μ*, Σ*); classifier sign(xᵀΣ⁻¹μ) (likelihood test); its input gradient points along Σ⁻¹μ',
  loss: 'ℓ(x; m, Σ) = ½(x−m)ᵀΣ⁻¹(x−m) + ½ log det Σ (Gaussian NLL without ½d·log 2π); Theorem 1 gaps use twice this',
  standardMle:
    'Θ = argmin_{μ,Σ} E[ℓ(x; yμ, Σ)]: (μ*, Σ*) for the population; mean(yx) and the scatter around it for samples',
  robustProblem:
    'Θ_r = argmin_{μ,Σ} max_{δ(·): E‖δ‖₂² ≤ ε²} E[ℓ(x+δ; yμ, Σ)]: ε is the root-mean-square ℓ2 norm of the perturbation',
  closedForm:
    'Theorem 2: μ_r = μ*, Σ_r = ½Σ* + (1/λ)I + sqrt((1/λ)Σ* + ¼Σ*²) (matrix square root by Jacobi eigendecomposition)',
  lambdaOfEps:
    "λ is the adversary's Lagrange multiplier at the saddle point, fixed by complementary slackness E‖δ‖² = ε² with δ = (λI − Σ_r⁻¹)⁻¹Σ_r⁻¹(x − yμ*): ε² = Σᵢ σᵢ/(aᵢ/2 + sqrt(aᵢ + aᵢ²/4))², aᵢ = λσᵢ, σᵢ the eigenvalues of Σ*. Strictly decreasing in λ, so one λ ∈ (0, ∞] for every ε ∈ [0, ∞); solved by bisection on log λ. ε = 0 ↔ λ = ∞ ↔ Σ_r = Σ*.",
  lambdaValidRange:
    'every ε ≥ 0 (λ ∈ (0, ∞]); the paper states Theorem 2 for ε ∈ [0, ε₀) with λ only up to constants',
  paperLambdaOrders:
    "the paper bounds Ω((1+ε^½)/(ε^½+ε^{3/2})) ≤ λ ≤ O((1+ε^½)/ε^½); these expressions are reported with the paper's ε taken as our ε² (a squared budget, which is what makes their small-ε scaling λ ~ ε^{-½} agree with ours, λ ~ 1/ε in the radius); the ratios λ/lower and λ/upper should stay bounded",
  numericalSolver:
    'independent of the closed form: inner max by its Lagrangian dual, a 1-D convex search over λ > 1/λ_min(Σ) (bisection on h′(λ) = 0, h(λ) = ½tr((Σ − I/λ)⁻¹S) + λε²/2); outer min over (μ, Σ) by damped Newton on the Danskin gradient ½Σ⁻¹ − ½B⁻¹SB⁻¹, B = Σ − I/λ, with a finite-difference Hessian; started from μ = 0, Σ = (tr S/d)·I',
  errorMeasure: 'relErrorFrobenius = ‖Σ_numerical − Σ_closed‖_F / ‖Σ_closed‖_F',
  normalisation:
    'normalizedSigma = Σ·d/tr(Σ); distanceToIdentity = ‖normalizedSigma − I‖_F (→ 0 as ε grows: Σ_r blends into the identity)',
  misalignment:
    'Theorem 1: for unit v, misalignment = ‖v‖_{Σ*⁻¹}/‖v‖₂; flipEpsL2 = smallest ℓ2 move along ±v flipping the model at x = μ* (margin/|wᵀv|, w = Σ⁻¹μ); flipEpsMahalanobis = the same move in the data metric; minFlipEpsL2 = margin/‖w‖₂, minFlipEpsMahalanobis = margin/sqrt(wᵀΣ*w)',
  gradientAngle:
    'Theorem 3: angle in degrees between Σ⁻¹μ (the input gradient of the classifier) and μ*',
  ellipses:
    '1-σ contour {Σ^½u: ‖u‖ = 1} of the trace-normalised covariance in the plot plane; gradient = unit Σ⁻¹μ* in that plane',
} as const;
