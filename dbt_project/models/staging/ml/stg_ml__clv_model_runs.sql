-- A security-invoker view: tenant roles read the customer page through it (decision 0030).
{{ config(post_hook="{{ security_invoker() }}") }}
with

source as (
    select * from {{ source_or_empty('ml', 'ml_clv_model_runs') }}
),

renamed as (
    select
        tenant_id,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        time_unit,
        purchase_model,
        purchase_model_reason,
        bgnbd_r,
        bgnbd_alpha,
        bgnbd_a,
        bgnbd_b,
        bgnbd_log_likelihood,
        gamma_gamma_p,
        gamma_gamma_q,
        gamma_gamma_v,
        gamma_gamma_log_likelihood,
        penalizer,
        monthly_discount_rate,
        customers,
        repeat_buyers,
        distinct_histories,
        gamma_gamma_fit_customers,
        is_spend_fallback,
        fallback_spend_per_purchase as fallback_spend_per_purchase_amount,
        outlier_threshold_amount,
        outlier_transactions,
        frequency_spend_correlation,
        risk_prob_alive,
        loyal_prob_alive,
        vip_clv_threshold_amount,
        whale_clv_threshold_amount,
        cast(backtest_calibration_end_date as date) as backtest_calibration_end_date,
        backtest_holdout_days,
        backtest_customers,
        backtest_predicted_purchases,
        backtest_actual_purchases,
        backtest_relative_error,
        backtest_mean_absolute_error,
        backtest_by_frequency,
        backtest_mean_poisson_deviance,
        backtest_prob_alive_auc,
        backtest_candidates,
        max_backtest_error,
        warnings
    from source
)

select * from renamed
